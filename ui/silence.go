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

// silenceForm is the form behind "s" on an alert: matchers prefilled with
// the alert's identity without its instance (model.SilenceMatchers), a
// duration and a comment.
func silenceForm(s *session, a model.Alert) *form {
	ms := model.SilenceMatchers(a)
	text := make([]string, len(ms))
	for i, m := range ms {
		text[i] = m.String()
	}
	return matchersForm(s, "Silence alerts", strings.Join(text, " "), "2h", "", func(ms []model.Matcher, d time.Duration, comment string) tea.Cmd {
		return createSilence(s, ms, d, comment)
	})
}

// stormSilence reads a storm's members and opens the silence form with the
// labels they all share, so the silence covers the storm, not its first
// alert; the preview counts what it covers.
func stormSilence(s *session, head model.Alert) tea.Cmd {
	return query(func(ctx context.Context) ([]model.Alert, error) {
		return s.Reader.Feed(ctx, model.FeedQuery{Storm: head.StormID, Limit: silencePreviewScan})
	}, func(members []model.Alert, err error) tea.Msg {
		if err != nil {
			return noticeMsg{err: err}
		}
		common := commonLabels(members)
		if len(common) == 0 {
			return noticeMsg{err: fmt.Errorf("the storm's %d alerts share no label; silence them one by one, or write the matchers (:silences)", len(members))}
		}
		var ms []string
		for _, k := range slices.Sorted(maps.Keys(common)) {
			ms = append(ms, fmt.Sprintf("%s=%q", k, common[k]))
		}
		title := fmt.Sprintf("Silence the storm of %d %s alerts", len(members), head.Name)
		return openFormMsg{form: matchersForm(s, title, strings.Join(ms, " "), "2h", "", func(ms []model.Matcher, d time.Duration, comment string) tea.Cmd {
			return createSilence(s, ms, d, comment)
		})}
	})
}

// commonLabels are the label values every alert has, as Alertmanager's
// groups have common labels.
func commonLabels(alerts []model.Alert) map[string]string {
	if len(alerts) == 0 {
		return nil
	}
	common := maps.Clone(alerts[0].Labels)
	for _, a := range alerts[1:] {
		for k, v := range common {
			if a.Labels[k] != v {
				delete(common, k)
			}
		}
	}
	return common
}

// matchersForm is a silence's form: matchers as amtool writes them, how
// long, and why. As the matchers are typed, the form says what is wrong
// with them or which firing alerts they would silence, before anything is
// saved; save runs only with matchers that parse.
func matchersForm(s *session, title, matchers, dur, comment string, save func([]model.Matcher, time.Duration, string) tea.Cmd) *form {
	f := newForm(s, title).
		field("matchers", matchers, `label="value" label2=~"re.*", as amtool writes them; also != !~`).
		field("for", dur, "30m, 2h, 24h").
		field("comment", comment, "why, for the next shift")
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
			firing, err := r.Feed(ctx, model.FeedQuery{Firing: true, Members: true, Limit: silencePreviewScan})
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
		return save(ms, d, v[2]), 0, nil
	}
	return f
}

// editSilenceForm edits a silence in force: its matchers, comment and
// what is left of it, prefilled; saving replaces it with a new one.
func editSilenceForm(s *session, sil model.Silence) *form {
	ms := make([]string, len(sil.Matchers))
	for i, m := range sil.Matchers {
		ms[i] = m.String()
	}
	left := max(sil.EndsAt.Sub(s.Now()).Round(time.Minute), time.Minute)
	return matchersForm(s, "Edit "+sil.Ref()+" (a new silence replaces it)", strings.Join(ms, " "), shortDuration(left.Round(time.Minute)), sil.Comment,
		func(ms []model.Matcher, d time.Duration, comment string) tea.Cmd {
			return writeThen(s, func(ctx context.Context, a Actions) (model.Silence, error) {
				return a.ReplaceSilence(ctx, s.Actor, sil.ID, ms, d, comment)
			}, func(next model.Silence) tea.Msg {
				return noticeMsg{text: fmt.Sprintf("%s replaces %s: silences %d firing alert(s) until %s", next.Ref(), sil.Ref(), next.Matching, next.EndsAt.In(s.loc()).Format("Mon 15:04"))}
			})
		})
}

// extendSilenceForm asks how much longer a silence lasts.
func extendSilenceForm(s *session, sil model.Silence) *form {
	f := newForm(s, fmt.Sprintf("Extend %s (ends %s)", sil.Ref(), stamp(sil.EndsAt, s.loc()))).
		field("by", "2h", "30m, 2h, 24h: added to its end")
	f.submit = func(v []string) (tea.Cmd, int, error) {
		d, err := time.ParseDuration(strings.TrimSpace(v[0]))
		if err != nil || d <= 0 {
			return nil, 0, fmt.Errorf("by: write a duration such as 30m, 2h or 24h")
		}
		return writeThen(s, func(ctx context.Context, a Actions) (model.Silence, error) {
			return a.ExtendSilence(ctx, s.Actor, sil.ID, d)
		}, func(ext model.Silence) tea.Msg {
			return noticeMsg{text: fmt.Sprintf("%s extended until %s", ext.Ref(), stamp(ext.EndsAt, s.loc()))}
		}), 0, nil
	}
	return f
}

// silencePreviewScan bounds the firing alerts the preview reads; a
// silence that would match more than a screenful says so anyway.
const silencePreviewScan = 5000

// silencePreview says which firing alerts the matchers would silence, the
// same alert on several instances named once with how many.
func silencePreview(s *session, ms []model.Matcher, firing []model.Alert) string {
	var names []string // in the order first seen
	count := map[string]int{}
	n := 0
	for _, a := range firing {
		if model.MatchAll(ms, a.Labels) {
			n++
			name := a.Name + " on " + a.Service
			if count[name] == 0 {
				names = append(names, name)
			}
			count[name]++
		}
	}
	if n == 0 {
		return s.st.Warn.Render("matches no firing alert now")
	}
	var shown []string
	for _, name := range names[:min(3, len(names))] {
		if count[name] > 1 {
			name += fmt.Sprintf(" ×%d", count[name])
		}
		shown = append(shown, name)
	}
	more := ""
	if len(names) > len(shown) {
		more = fmt.Sprintf(" and %d more", len(names)-len(shown))
	}
	return s.st.Dim.Render(fmt.Sprintf("silences %s now: %s%s", model.Plural(n, "firing alert", "firing alerts"), strings.Join(shown, ", "), more))
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

// silencesBody is the list of silences in force; tab picks one (as any
// reference in a detail) and e, x and d edit, extend or end it.
type silencesBody struct {
	list []model.Silence // as read
}

func (b silencesBody) read(ctx context.Context, s *session, _ int) (body, string, string, error) {
	list, err := s.Reader.Silences(ctx, s.Now())
	if err != nil {
		return b, "", "", err
	}
	title, text := silencesDetail(s, list, s.Now(), s.loc())
	return silencesBody{list: list}, title, text, nil
}

func (b silencesBody) key(m *Model, msg tea.KeyMsg) (tea.Cmd, bool) {
	s, km := m.s, m.s.km
	if !key.Matches(msg, km.SilenceEdit, km.SilenceExtend, km.SilenceExpire) {
		return nil, false
	}
	if stop := s.refuse(model.PermSilence); stop != nil {
		return stop, true
	}
	sil, err := b.picked(m)
	if err != nil {
		return notice(err), true
	}
	switch {
	case key.Matches(msg, km.SilenceEdit):
		return func() tea.Msg { return openFormMsg{form: editSilenceForm(s, sil)} }, true
	case key.Matches(msg, km.SilenceExtend):
		return func() tea.Msg { return openFormMsg{form: extendSilenceForm(s, sil)} }, true
	}
	return m.unsilence(fmt.Sprint(sil.ID)), true
}

// picked is the silence the keys act on: the one picked with tab, or the
// only one.
func (b silencesBody) picked(m *Model) (model.Silence, error) {
	if d, ok := m.top().(*detail); ok && d.sel >= 0 {
		if id, err := model.ParseRef(d.refs[d.sel].text, "SIL"); err == nil {
			for _, sil := range b.list {
				if sil.ID == id {
					return sil, nil
				}
			}
		}
	}
	if len(b.list) == 1 {
		return b.list[0], nil
	}
	if len(b.list) == 0 {
		return model.Silence{}, fmt.Errorf("no silences in force; press s on an alert to add one")
	}
	return model.Silence{}, fmt.Errorf("pick a silence first: %s moves to the next SIL-n", m.s.km.NextPane.Help().Key)
}

func (silencesBody) actions(s *session) []key.Binding {
	km := s.km
	return []key.Binding{s.offer(km.SilenceEdit, model.PermSilence), s.offer(km.SilenceExtend, model.PermSilence), s.offer(km.SilenceExpire, model.PermSilence)}
}

// silencesDetail lists the silences in force with what each mutes now.
func silencesDetail(s *session, list []model.Silence, now time.Time, loc *time.Location) (string, string) {
	st := s.st
	if len(list) == 0 {
		return "Silences", " " + st.Dim.Render("No silences in force. Press s on an alert to add one.")
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
	km := s.km
	lines = append(lines, st.Dim.Render(fmt.Sprintf(" %s picks a silence · %s edits it (a new one replaces it) · %s extends it · %s ends it now",
		km.NextPane.Help().Key, km.SilenceEdit.Help().Key, km.SilenceExtend.Help().Key, km.SilenceExpire.Help().Key)))
	return fmt.Sprintf("Silences (%d)", len(list)), strings.Join(lines, "\n")
}
