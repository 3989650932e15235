package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/hypercare-ops/hypercare/model"
)

// Major-incident mode in the console: the war-room banner every session
// shows while a major incident is open, the roles form, status updates
// written from templates, and the outbox's messages.

// majorPolicy is the plan's major-incident settings; none without a plan.
func (s *session) majorPolicy() model.MajorPolicy {
	if p := s.plan(); p != nil {
		return p.MajorPolicy()
	}
	return model.MajorPolicy{}
}

// warRoomBanner is the header line of the open war rooms: the most pressing
// one in full (its roles, the countdown to its next status update), and how
// many more. It is read with the header's counts, so a declaration reaches
// every session with the commit that made it.
func (m *Model) warRoomBanner() string {
	rooms := m.counts.warRooms
	if len(rooms) == 0 {
		return ""
	}
	w, now := rooms[0], m.s.Now()
	in := w.Incident
	head := fmt.Sprintf(" ⚑ MAJOR INCIDENT %s %s %s", in.Ref(), in.Priority, in.Service)
	short := fmt.Sprintf(" ⚑ MAJOR %s %s %s", in.Ref(), in.Priority, in.Service)
	if !in.State.Open() {
		head += " (" + in.State.Label() + ": stand down with :major off)"
		short += " " + in.State.Label() + ": :major off"
	}
	clock := model.NextUpdate(w, m.s.majorPolicy(), now)
	due, roles, more := updateDue(clock), w.Roles(), ""
	if len(rooms) > 1 {
		more = fmt.Sprintf("+%d more major", len(rooms)-1)
	}
	join := func(parts ...string) string {
		var kept []string
		for _, p := range parts {
			if p != "" {
				kept = append(kept, p)
			}
		}
		return strings.Join(kept, " · ")
	}
	// The title gives way first, then the roles but the incident
	// commander, the other war rooms, the commander; then the banner says
	// itself short. The countdown stays: when
	// the update is due matters most. What is shown is whole.
	line := join(head, due, roles, more)
	if room := m.w - width(line) - 2; room >= 20 {
		line = join(head+": "+fit(in.Title, min(room, width(in.Title))), due, roles, more)
	}
	ic, _, _ := strings.Cut(roles, " · ") // the incident commander first
	for _, l := range []string{line, join(head, due, ic, more), join(head, due, ic), join(head, due, more), join(head, due),
		join(short, shortUpdateDue(clock), ic), join(short, shortUpdateDue(clock))} {
		line = l
		if width(line) <= m.w {
			break
		}
	}
	return m.s.st.memo(&m.s.st.Major, fit(line, m.w))
}

// shortUpdateDue is updateDue in few cells, for a narrow banner.
func shortUpdateDue(c model.StatusClock) string {
	switch {
	case c.Every == 0:
		return ":update"
	case c.Overdue():
		return "update OVERDUE " + countdown(-c.Left)
	}
	return "update in " + strings.TrimPrefix(updateDue(c), "next update in ")
}

// updateDue says when the next status update is due: "update in 12:34",
// "update overdue by 5m", or the updates taken so far when the plan sets
// no cadence.
func updateDue(c model.StatusClock) string {
	switch {
	case c.Every == 0:
		return ":update sends a status update"
	case c.Overdue():
		return "status update OVERDUE by " + countdown(-c.Left)
	case c.Left < time.Hour:
		secs := int(c.Left.Round(time.Second) / time.Second)
		return fmt.Sprintf("next update in %02d:%02d", secs/60, secs%60)
	}
	return "next update in " + countdown(c.Left)
}

// warRoomLine is the incident detail's summary of its war room.
func warRoomLine(s *session, w model.WarRoom, now time.Time, loc *time.Location) string {
	if !w.StoodDownAt.IsZero() {
		text := fmt.Sprintf("stood down %s after %d update(s)", stamp(w.StoodDownAt, loc), w.Updates)
		if w.Review != 0 {
			text += fmt.Sprintf(" · review PRB-%d", w.Review)
		}
		return text
	}
	if !w.Active() {
		return ""
	}
	next := updateDue(model.NextUpdate(w, s.majorPolicy(), now))
	if !w.Incident.State.Open() {
		next = "resolved: stand the war room down with :major off"
	}
	return fmt.Sprintf("declared %s by %s · %s · %d update(s) · %s", stamp(w.DeclaredAt, loc), w.DeclaredBy, w.Roles(), w.Updates, next)
}

// selectedIncident is the incident a war-room command works on.
func (m *Model) selectedIncident(what string) (int64, tea.Cmd) {
	kind, id := m.selectedRecord()
	if kind != recordIncident {
		return 0, notice(fmt.Errorf("%s: select an incident first (in the incident pane or its detail)", what))
	}
	return id, nil
}

// rolesForm assigns the selected major incident's roles; it opens with
// the roles as they are.
func (m *Model) rolesForm() tea.Cmd {
	id, stop := m.selectedIncident("roles")
	if stop != nil {
		return stop
	}
	s := m.s
	if stop := s.refuse(model.PermRunMajor); stop != nil {
		return stop
	}
	return rolesFormFor(s, id)
}

func rolesFormFor(s *session, id int64) tea.Cmd {
	r := s.Reader
	return query(func(ctx context.Context) (model.WarRoom, error) { return r.WarRoom(ctx, id) },
		func(w model.WarRoom, err error) tea.Msg {
			switch {
			case errors.Is(err, model.ErrNotFound):
				return noticeMsg{err: fmt.Errorf("INC-%d is not a major incident; declare it first (:major on REASON)", id)}
			case err != nil:
				return noticeMsg{err: err}
			}
			const hint = "an operator or team member; empty: unassigned"
			f := newForm(s, fmt.Sprintf("War room roles for %s", w.Incident.Ref())).
				field("commander", w.Commander, hint).
				field("comms lead", w.Comms, hint).
				field("scribe", w.Scribe, hint)
			f.submit = func(v []string) (tea.Cmd, int, error) {
				roles := model.MajorRoles{Commander: v[0], Comms: v[1], Scribe: v[2]}
				return writeThen(s, func(ctx context.Context, a Actions) (model.WarRoom, error) {
					return a.AssignMajorRoles(ctx, s.Actor, id, roles)
				}, func(w model.WarRoom) tea.Msg {
					return noticeMsg{text: fmt.Sprintf("%s roles: %s", w.Incident.Ref(), w.Roles())}
				}), 0, nil
			}
			return openFormMsg{form: f}
		})
}

// statusUpdate drafts a status update for the selected major incident from
// a template and opens it in the editor; saving posts it. Without a
// template a form asks which.
func (m *Model) statusUpdate(template string) tea.Cmd {
	id, stop := m.selectedIncident("update")
	if stop != nil {
		return stop
	}
	s := m.s
	if stop := s.refuse(model.PermStatusUpdate); stop != nil {
		return stop
	}
	if template != "" {
		return draftUpdate(s, id, template)
	}
	var names []string
	for _, t := range s.majorPolicy().AllTemplates() {
		names = append(names, t.Name)
	}
	f := newForm(s, fmt.Sprintf("Status update for INC-%d", id)).field("template", names[0], "", names...)
	f.submit = func(v []string) (tea.Cmd, int, error) {
		if err := choice("template", v[0], names); err != nil {
			return nil, 0, err
		}
		return draftUpdate(s, id, v[0]), 0, nil
	}
	return func() tea.Msg { return openFormMsg{form: f} }
}

// draftUpdate fills a template and opens the result in the editor.
func draftUpdate(s *session, id int64, template string) tea.Cmd {
	if s.Planner == nil {
		return notice(errors.New("update: this console cannot draft updates"))
	}
	pln := s.Planner
	return query(func(ctx context.Context) (string, error) { return pln.DraftStatusUpdate(ctx, id, template) },
		func(text string, err error) tea.Msg {
			if err != nil {
				return noticeMsg{err: err}
			}
			return openEditorMsg{ed: statusEditor(s, id, text)}
		})
}

// statusEditor is the editor a status update is finished in.
func statusEditor(s *session, id int64, text string) *textEditor {
	e := newTextEditor(s, fmt.Sprintf("Status update for INC-%d: to the stakeholders and on the timeline", id), "update", text,
		"What stakeholders should know (ctrl+s sends, esc cancels)", 80, 8)
	e.save = func(edited string) (tea.Cmd, error) {
		if strings.TrimSpace(edited) == "" {
			return nil, errors.New("the update is empty: write what stakeholders should know, or esc to cancel")
		}
		return writeThen(s, func(ctx context.Context, a Actions) (model.WarRoom, error) {
			return a.PostStatusUpdate(ctx, s.Actor, id, edited)
		}, func(w model.WarRoom) tea.Msg {
			return noticeMsg{text: fmt.Sprintf("%s status update %d sent and logged", w.Incident.Ref(), w.Updates)}
		}), nil
	}
	return e
}

// notificationsBody lists the outbox: newest first, what each message is,
// where it went and how its delivery stands. filter is a state or a record.
type notificationsBody struct{ filter string }

// notificationsShown bounds the list; the CLI lists more.
const notificationsShown = 200

func (b notificationsBody) read(ctx context.Context, s *session, w int) (body, string, string, error) {
	q := model.NotificationQuery{Limit: notificationsShown}
	switch f := strings.TrimSpace(b.filter); {
	case f == "":
	case strings.Contains(f, "-"):
		q.Entity = strings.ToUpper(f)
	default:
		q.State = model.NotificationState(strings.ToLower(f))
	}
	list, err := s.Reader.Notifications(ctx, q)
	if err != nil {
		return b, "", "", err
	}
	st, loc := s.st, s.loc()
	title := "Notifications"
	if b.filter != "" {
		title += " · " + b.filter
	}
	if len(list) == 0 {
		return b, title, " " + st.Dim.Render("Nothing in the outbox"+map[bool]string{true: " matches", false: " yet"}[b.filter != ""]+
			". The plan's [[notify]] rules say who is told what."), nil
	}
	counts := map[model.NotificationState]int{}
	for _, n := range list {
		counts[n.State]++
	}
	lines := []string{" " + st.Dim.Render(fmt.Sprintf("%d sent · %d pending · %d sending · %d failed (newest %d)",
		counts[model.NotifySent], counts[model.NotifyPending], counts[model.NotifySending], counts[model.NotifyFailed], len(list))), ""}
	for _, n := range list {
		state := string(n.State)
		when := ""
		switch n.State {
		case model.NotifySent:
			state, when = st.Notice.Render("sent"), "at "+stamp(n.SentAt, loc)
		case model.NotifyFailed:
			state = st.Error.Render("FAILED")
		case model.NotifyPending:
			if n.Attempts > 0 {
				state = st.Warn.Render("retry")
			}
			when = "next " + stamp(n.NextAt, loc)
		case model.NotifySending:
			when = "since " + stamp(n.LeaseUntil.Add(-model.NotifyLease), loc)
		}
		head := fmt.Sprintf(" %s %s %s → %s %s · %d/%d tries %s", st.Bold.Render(n.Ref()), state, n.Event, n.Channel,
			model.NotifyTargetShown(n.Target), n.Attempts, n.MaxAttempts, st.Dim.Render(when))
		lines = append(lines, fit(head, w), "   "+fit(n.Subject, max(w-3, 10)))
		if n.LastError != "" && n.State != model.NotifySent {
			lines = append(lines, "   "+st.Error.Render(fit(n.LastError, max(w-3, 10))))
		}
	}
	return b, fmt.Sprintf("%s (%d)", title, len(list)), strings.Join(lines, "\n"), nil
}

func (notificationsBody) key(*Model, tea.KeyMsg) (tea.Cmd, bool) { return nil, false }
func (notificationsBody) actions(*session) []key.Binding         { return nil }
