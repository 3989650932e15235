package ui

import (
	"strconv"
	"sync"

	"github.com/charmbracelet/lipgloss"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/muesli/termenv"
)

// Styles are built once per session from that session's renderer, so each
// SSH client gets colours its own terminal supports. Names say what a style
// means, not what colour it is.
type Styles struct {
	Header, HeaderTitle, HeaderDim, HeaderAlarm lipgloss.Style
	Footer, FooterLive, FooterStale, FooterKey  lipgloss.Style
	Banner, Error, Warn, Notice                 lipgloss.Style

	// Pane and PaneFocused colour the border lines of a pane.
	Pane, PaneFocused           lipgloss.Style
	PaneTitle, PaneTitleFocused lipgloss.Style
	Tab, TabActive              lipgloss.Style

	Row, RowSelected, Dim, Bold, Label, Highlight lipgloss.Style

	Severity map[model.Severity]lipgloss.Style
	Priority map[model.Priority]lipgloss.Style
	Major    lipgloss.Style
	Firing   lipgloss.Style
	Resolved lipgloss.Style
	Ack      lipgloss.Style

	SLA map[model.SLAStage]lipgloss.Style

	Today, Weekend, Freeze, Maintenance lipgloss.Style
	Risk                                map[model.Level]lipgloss.Style

	// Added and Removed are a diff's lines.
	Added, Removed lipgloss.Style

	Overlay lipgloss.Style

	// look is what the palette was made for: two sessions with the same
	// look draw a row alike (drawnRows).
	look look

	// drawn keeps what memo drew.
	drawn *styleMemo
}

// styleMemo is text as a style drew it, by style and text: the footer's key
// hints are the same words in the same styles every frame, and lipgloss
// works each one out afresh.
type styleMemo struct {
	mu sync.Mutex
	m  map[styleText]string
}

type styleText struct {
	style *lipgloss.Style // one of the palette's own
	text  string
}

// memo is style.Render(text) for one of this palette's styles (&s.Footer),
// drawn once.
func (s *Styles) memo(style *lipgloss.Style, text string) string {
	k := styleText{style, text}
	s.drawn.mu.Lock()
	out, ok := s.drawn.m[k]
	s.drawn.mu.Unlock()
	if ok {
		return out
	}
	out = style.Render(text)
	s.drawn.mu.Lock()
	if s.drawn.m == nil || len(s.drawn.m) >= 1024 {
		s.drawn.m = map[styleText]string{}
	}
	s.drawn.m[k] = out
	s.drawn.mu.Unlock()
	return out
}

type look struct {
	profile termenv.Profile
	dark    bool
}

// NewStyles builds the palette for a renderer. Colours are chosen to read
// from across a room: the few things that demand action are bold on a solid
// background; everything else stays quiet.
//
// Every colour is worked out here, once, for the renderer's terminal: its
// background decides light or dark, and its colour profile the nearest
// colour it has. Left to lipgloss, a 256-colour terminal (what most SSH
// clients say they are) costs a nearest-colour search at every cell drawn,
// three quarters of a frame.
func NewStyles(r *lipgloss.Renderer) *Styles {
	profile, darkBG := r.ColorProfile(), r.HasDarkBackground()
	fixed := func(hex string) lipgloss.TerminalColor {
		switch v := profile.Color(hex).(type) {
		case termenv.ANSIColor:
			return lipgloss.Color(strconv.Itoa(int(v)))
		case termenv.ANSI256Color:
			return lipgloss.Color(strconv.Itoa(int(v)))
		case termenv.RGBColor:
			return lipgloss.Color(string(v))
		}
		return lipgloss.NoColor{}
	}
	c := func(light, dark string) lipgloss.TerminalColor {
		if darkBG {
			return fixed(dark)
		}
		return fixed(light)
	}
	red, orange, yellow := c("#C00000", "#FF5F5F"), c("#B35900", "#FFAF00"), c("#806600", "#FFD75F")
	green, blue, grey := c("#006B00", "#87D787"), c("#0050A0", "#5FAFFF"), c("#707070", "#8A8A8A")
	white, alarm, major, banner := fixed("#FFFFFF"), fixed("#C00000"), fixed("#870087"), fixed("#AF5F00")
	ns := r.NewStyle

	s := &Styles{
		look:        look{profile, darkBG},
		drawn:       &styleMemo{},
		Header:      ns().Bold(true).Reverse(true),
		HeaderTitle: ns().Bold(true).Reverse(true),
		HeaderDim:   ns().Reverse(true),
		HeaderAlarm: ns().Bold(true).Foreground(white).Background(alarm),
		Footer:      ns().Foreground(grey),
		FooterLive:  ns().Bold(true).Foreground(green),
		FooterStale: ns().Bold(true).Foreground(red),
		FooterKey:   ns().Bold(true),
		Banner:      ns().Bold(true).Foreground(white).Background(banner),
		Error:       ns().Bold(true).Foreground(red),
		Warn:        ns().Foreground(orange),
		Notice:      ns().Foreground(green),

		Pane:             ns().Foreground(grey),
		PaneFocused:      ns().Foreground(blue).Bold(true),
		PaneTitle:        ns().Bold(true),
		PaneTitleFocused: ns().Bold(true).Foreground(blue),
		Tab:              ns().Padding(0, 1).Foreground(grey),
		TabActive:        ns().Padding(0, 1).Bold(true).Reverse(true),

		Row:         ns(),
		RowSelected: ns().Reverse(true),
		Dim:         ns().Foreground(grey),
		Bold:        ns().Bold(true),
		Label:       ns().Foreground(blue).Bold(true),
		Highlight:   ns().Bold(true).Underline(true).Foreground(yellow),

		Severity: map[model.Severity]lipgloss.Style{
			model.SevCritical: ns().Bold(true).Foreground(white).Background(alarm),
			model.SevWarning:  ns().Bold(true).Foreground(orange),
			model.SevInfo:     ns().Foreground(blue),
		},
		Priority: map[model.Priority]lipgloss.Style{
			1: ns().Bold(true).Foreground(white).Background(alarm),
			2: ns().Bold(true).Foreground(red),
			3: ns().Bold(true).Foreground(orange),
			4: ns().Foreground(yellow),
			5: ns().Foreground(grey),
		},
		Major:    ns().Bold(true).Foreground(white).Background(major),
		Firing:   ns().Bold(true).Foreground(red),
		Resolved: ns().Foreground(green),
		Ack:      ns().Foreground(blue),

		SLA: map[model.SLAStage]lipgloss.Style{
			model.SLAOK:       ns().Foreground(green),
			model.SLAWatch:    ns().Foreground(yellow),
			model.SLARisk:     ns().Bold(true).Foreground(orange),
			model.SLABreached: ns().Bold(true).Foreground(white).Background(alarm),
			model.SLANone:     ns().Foreground(grey),
		},

		Today:       ns().Bold(true).Reverse(true),
		Weekend:     ns().Foreground(grey),
		Freeze:      ns().Foreground(red),
		Maintenance: ns().Foreground(blue),
		Risk: map[model.Level]lipgloss.Style{
			model.High:   ns().Bold(true).Foreground(red),
			model.Medium: ns().Foreground(orange),
			model.Low:    ns().Foreground(green),
		},

		Added:   ns().Foreground(green),
		Removed: ns().Foreground(red),

		Overlay: ns().Border(lipgloss.DoubleBorder()).Padding(0, 1),
	}
	return s
}
