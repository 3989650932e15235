package ui

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/hypercare-ops/hypercare/model"
)

// openSilenceMsg asks the console to open the silence form for an alert.
type openSilenceMsg struct{ alert model.Alert }

// silenceForm is the small form behind "s": matchers prefilled from the
// alert, a duration and a comment. tab moves between fields, enter saves.
type silenceForm struct {
	s      *session
	fields []textinput.Model
	labels []string
	focus  int
	err    string
}

func newSilenceForm(s *session, a model.Alert) *silenceForm {
	var ms []string
	for _, k := range []string{"alertname", "service", "instance"} {
		if v, ok := a.Labels[k]; ok && v != "" {
			ms = append(ms, fmt.Sprintf("%s=%q", k, v))
		}
	}
	if len(ms) == 0 {
		keys := make([]string, 0, len(a.Labels))
		for k := range a.Labels {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys[:min(2, len(keys))] {
			ms = append(ms, fmt.Sprintf("%s=%q", k, a.Labels[k]))
		}
	}
	f := &silenceForm{s: s, labels: []string{"matchers", "for", "comment"}}
	for i, v := range []string{strings.Join(ms, ", "), "2h", ""} {
		in := textinput.New()
		in.Prompt = ""
		in.CharLimit = 500
		in.SetValue(v)
		if i == 2 {
			in.Placeholder = "why, for the next shift"
		}
		f.fields = append(f.fields, in)
	}
	return f
}

func (f *silenceForm) focusCmd() tea.Cmd {
	for i := range f.fields {
		f.fields[i].Blur()
	}
	f.fields[f.focus].CursorEnd()
	return f.fields[f.focus].Focus()
}

// key handles a key; done is true when the form should close.
func (f *silenceForm) key(msg tea.KeyMsg) (tea.Cmd, bool) {
	switch msg.Type {
	case tea.KeyEsc:
		return nil, true
	case tea.KeyTab, tea.KeyDown:
		f.focus = (f.focus + 1) % len(f.fields)
		return f.focusCmd(), false
	case tea.KeyShiftTab, tea.KeyUp:
		f.focus = (f.focus + len(f.fields) - 1) % len(f.fields)
		return f.focusCmd(), false
	case tea.KeyEnter:
		return f.submit()
	}
	var cmd tea.Cmd
	f.fields[f.focus], cmd = f.fields[f.focus].Update(msg)
	return cmd, false
}

// submit validates in the form, so mistakes are fixed in place, and saves.
func (f *silenceForm) submit() (tea.Cmd, bool) {
	ms, err := model.ParseMatchers(f.fields[0].Value())
	if err != nil {
		f.err, f.focus = err.Error(), 0
		return f.focusCmd(), false
	}
	d, err := time.ParseDuration(strings.TrimSpace(f.fields[1].Value()))
	if err != nil || d <= 0 {
		f.err, f.focus = "for: write a duration such as 30m, 2h or 24h", 1
		return f.focusCmd(), false
	}
	comment := strings.TrimSpace(f.fields[2].Value())
	if comment == "" {
		f.err, f.focus = "comment: say why, so the next shift knows", 2
		return f.focusCmd(), false
	}
	s := f.s
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		sil, err := s.Actions.CreateSilence(ctx, s.Actor, ms, d, comment)
		if err != nil {
			return noticeMsg{err: err}
		}
		text := fmt.Sprintf("%s silences %d firing alert(s) until %s", sil.Ref(), sil.Matching, sil.EndsAt.In(s.loc()).Format("Mon 15:04"))
		if sil.Matching == 0 {
			return noticeMsg{err: fmt.Errorf("%s matches no firing alert now; check the matchers (:silences lists them)", sil.Ref())}
		}
		return noticeMsg{text: text}
	}, true
}

func (f *silenceForm) view(w int) string {
	st := f.s.st
	lines := []string{st.Bold.Render("Silence alerts") + st.Dim.Render("   tab next field · enter save · esc cancel"), ""}
	for i, in := range f.fields {
		in.Width = max(w-16, 10)
		label := st.Label.Render(fmt.Sprintf("%-9s", f.labels[i]))
		if i == f.focus {
			label = st.Bold.Render(fmt.Sprintf("%-9s", "▶"+f.labels[i]))
		}
		lines = append(lines, label+" "+in.View())
	}
	lines = append(lines, "", st.Dim.Render(`matchers: label="value", also != =~ !~ (regex); all must hold`))
	if f.err != "" {
		lines = append(lines, st.Error.Render(f.err))
	}
	return st.Overlay.Width(w).Render(strings.Join(lines, "\n"))
}

// silencesDetail lists the silences in force with what each mutes now.
func silencesDetail(ctx context.Context, s *session, now time.Time, loc *time.Location) (string, string, error) {
	list, err := s.Reader.Silences(ctx, now)
	if err != nil {
		return "", "", err
	}
	st := s.st
	if len(list) == 0 {
		return "Silences", " " + st.Dim.Render("No silences in force. Press s on an alert to add one."), nil
	}
	var lines []string
	for _, sil := range list {
		ms := make([]string, len(sil.Matchers))
		for i, m := range sil.Matchers {
			ms[i] = m.String()
		}
		state := fmt.Sprintf("mutes %d firing alert(s)", sil.Matching)
		if sil.Matching == 0 {
			state = st.Error.Render("⚠ matches nothing firing now")
		}
		if !sil.Active(now) {
			state = st.Dim.Render("starts " + stamp(sil.StartsAt, loc))
		}
		lines = append(lines,
			" "+st.Bold.Render(sil.Ref())+"  "+strings.Join(ms, ", "),
			"   "+state+st.Dim.Render(fmt.Sprintf(" · by %s · until %s", sil.Author, stamp(sil.EndsAt, loc))),
			"   "+sil.Comment, "")
	}
	lines = append(lines, st.Dim.Render(" :unsilence N ends silence SIL-N now"))
	return fmt.Sprintf("Silences (%d)", len(list)), strings.Join(lines, "\n"), nil
}
