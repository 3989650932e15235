package ui

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/hypercare-ops/hypercare/model"
)

// silenceForm is the form behind "s" on an alert: matchers prefilled from
// the alert's identity (its name and service, not the instance: a noisy
// alert is noisy on every pod), a duration and a comment. As the matchers
// are typed, the form says what is wrong with them or which firing alerts
// they would silence.
func silenceForm(s *session, a model.Alert) *form {
	var ms []string
	for _, k := range []string{"alertname", "service"} {
		if v, ok := a.Labels[k]; ok && v != "" {
			ms = append(ms, fmt.Sprintf("%s=%q", k, v))
		}
	}
	if len(ms) == 0 {
		for _, k := range slices.Sorted(maps.Keys(a.Labels))[:min(2, len(a.Labels))] {
			ms = append(ms, fmt.Sprintf("%s=%q", k, a.Labels[k]))
		}
	}
	f := newForm(s, "Silence alerts").
		field("matchers", strings.Join(ms, " "), `label="value" label2=~"re.*", as amtool writes them; also != !~`).
		field("for", "2h", "30m, 2h, 24h").
		field("comment", "", "why, for the next shift")
	r := s.Reader
	f.lookup = func(v []string) (string, tea.Cmd) {
		key := v[0]
		ms, err := model.ParseMatchers(v[0])
		if err != nil {
			text := s.st.Error.Render(err.Error())
			return key, func() tea.Msg { return formHintMsg{form: f, key: key, text: text} }
		}
		return key, func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
			defer cancel()
			firing, err := r.Feed(ctx, model.FeedQuery{Firing: true, Limit: silencePreviewScan})
			if err != nil {
				return formHintMsg{form: f, key: key, text: s.st.Error.Render("preview: " + err.Error())}
			}
			return formHintMsg{form: f, key: key, text: silencePreview(s, ms, firing)}
		}
	}
	f.submit = func(v []string) (tea.Cmd, int, error) {
		ms, err := model.ParseMatchers(v[0])
		if err != nil {
			return nil, 0, err
		}
		d, err := time.ParseDuration(v[1])
		if err != nil || d <= 0 {
			return nil, 1, fmt.Errorf("for: write a duration such as 30m, 2h or 24h")
		}
		if v[2] == "" {
			return nil, 2, fmt.Errorf("comment: say why, so the next shift knows")
		}
		return createSilence(s, ms, d, v[2]), 0, nil
	}
	return f
}

// silencePreviewScan bounds the firing alerts the preview reads; a
// silence that would match more than a screenful says so anyway.
const silencePreviewScan = 5000

// silencePreview says which firing alerts the matchers would silence.
func silencePreview(s *session, ms []model.Matcher, firing []model.Alert) string {
	var names []string
	n := 0
	for _, a := range firing {
		if model.MatchAll(ms, a.Labels) {
			n++
			if len(names) < 3 {
				names = append(names, a.Name+" on "+a.Service)
			}
		}
	}
	if n == 0 {
		return s.st.Warn.Render("matches no firing alert now")
	}
	more := ""
	if n > len(names) {
		more = fmt.Sprintf(" and %d more", n-len(names))
	}
	return s.st.Dim.Render(fmt.Sprintf("silences %s now: %s%s", model.Plural(n, "firing alert", "firing alerts"), strings.Join(names, ", "), more))
}

func createSilence(s *session, ms []model.Matcher, d time.Duration, comment string) tea.Cmd {
	return writeThen(s, func(ctx context.Context, a Actions) (model.Silence, error) {
		return a.CreateSilence(ctx, s.Actor, ms, d, comment)
	}, func(sil model.Silence) tea.Msg {
		if sil.Matching == 0 {
			return noticeMsg{err: fmt.Errorf("%s matches no firing alert now; check the matchers (:silences lists them)", sil.Ref())}
		}
		return noticeMsg{text: fmt.Sprintf("%s silences %d firing alert(s) until %s", sil.Ref(), sil.Matching, sil.EndsAt.In(s.loc()).Format("Mon 15:04"))}
	})
}

// silencesBody is the list of silences in force.
type silencesBody struct{}

func (b silencesBody) read(ctx context.Context, s *session, _ int) (body, string, string, error) {
	title, text, err := silencesDetail(ctx, s, s.Now(), s.loc())
	return b, title, text, err
}

func (silencesBody) key(*Model, tea.KeyMsg) (tea.Cmd, bool) { return nil, false }
func (silencesBody) actions(*session) []key.Binding         { return nil }

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
