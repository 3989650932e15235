package model_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

func TestComposeHandover(t *testing.T) {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 3, 21, 45, 0, 0, loc)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	note := func(id int64, at time.Time, who, text string) model.TimelineEntry {
		return model.TimelineEntry{IncidentID: id, At: at, Actor: who, Kind: "note", Text: text}
	}
	p1 := model.Incident{ID: 4, Title: "Checkout 5xx", Service: "checkout", Priority: 1, Major: true, State: model.StateInProgress,
		Assignee: "tom.okafor", OpenedAt: ago(3*time.Hour + 20*time.Minute), ResolveDue: now.Add(time.Hour), AckAt: ago(3 * time.Hour)}
	p2 := model.Incident{ID: 7, Title: "Search\nslow", Service: "search", Priority: 2, State: model.StateNew, Team: "platform",
		OpenedAt: ago(40 * time.Minute), RespondDue: ago(10 * time.Minute), SLAFlags: model.SLARespondBreached}
	p3 := model.Incident{ID: 9, Title: "Report late", Service: "reports", Priority: 3, State: model.StateInProgress, Assignee: "sofia.lindqvist",
		OpenedAt: ago(30 * time.Hour), ResolveDue: ago(time.Hour), AckAt: ago(29 * time.Hour)}
	held := model.Incident{ID: 11, Title: "Vendor feed", Service: "feeds", Priority: 3, State: model.StateOnHold, Assignee: "ben.hughes",
		OpenedAt: ago(50 * time.Hour), ResolveDue: ago(2 * time.Hour), HoldSince: ago(5 * time.Hour), AckAt: ago(49 * time.Hour)}
	risky := model.Incident{ID: 12, Title: "Basket slow", Service: "checkout", Priority: 3, State: model.StateInProgress, Assignee: "tom.okafor",
		OpenedAt: ago(10 * time.Hour), ResolveDue: now.Add(2 * time.Hour), SLAFlags: model.SLAWarned, AckAt: ago(9 * time.Hour)}
	resolved := model.Incident{ID: 5, Title: "Login loop", Service: "identity", Priority: 2, State: model.StateResolved,
		OpenedAt: ago(6 * time.Hour), ResolvedAt: ago(2 * time.Hour)}
	last := model.Article{ID: 41, Kind: model.ArticleHandover, State: model.ArticlePublished, UpdatedAt: ago(12 * time.Hour)}
	change := func(id int64, state model.ChangeState, start, end time.Time, title string) model.Change {
		return model.Change{ID: id, Title: title, Services: []string{"storefront"}, State: state, Implementer: "sofia.lindqvist", Start: start, End: end}
	}

	tests := []struct {
		name      string
		st        model.HandoverState
		want      []string // in this order
		notWanted []string
	}{
		{
			name: "a quiet shift",
			st:   model.HandoverState{Since: ago(24 * time.Hour)},
			want: []string{"The live state at Thu 03 Dec 2026 21:45 GMT.", "## Open P1 and P2\n\nNo P1 or P2 is open.",
				"No open incident has breached", "No change is running.", "No change is planned in the next 24 hours.",
				"No silence is in force.", "## Notes in the last 24 hours\n\nNobody wrote a note.", "## For the next shift"},
		},
		{
			name: "open P1 and P2 with owners, state, age and the latest note",
			st: model.HandoverState{Since: ago(24 * time.Hour), Incidents: []model.Incident{p3, p2, resolved, p1},
				Timelines: map[int64][]model.TimelineEntry{4: {
					note(4, ago(2*time.Hour), "tom.okafor", "Paging the PSP"),
					{IncidentID: 4, At: ago(time.Hour), Actor: "hypercare", Kind: "sla", Text: "75% used"},
					note(4, ago(30*time.Minute), "tom.okafor", "Rolling back\n1.4.2"),
				}}},
			want: []string{
				"- **INC-4** P1 MAJOR, In Progress, 3h20m old, owner tom.okafor, checkout: Checkout 5xx\n  - next step: Rolling back 1.4.2 (tom.okafor, Thu 03 Dec 21:15)",
				"- **INC-7** P2, New, 40m old, owner team platform (unassigned), search: Search slow\n  - next step: no note yet",
			},
			notWanted: []string{"Paging the PSP (", "**INC-9** P3,", "INC-5"},
		},
		{
			name: "breaches before those at risk; a hold stops the clock",
			st:   model.HandoverState{Since: ago(24 * time.Hour), Incidents: []model.Incident{risky, held, p1, p2, p3}},
			want: []string{"## Breached and at risk",
				"- **INC-7** P2 breached, nobody has responded (was due Thu 03 Dec 21:35): Search slow (search, owner team platform (unassigned))",
				"- **INC-9** P3 breached, resolve was due Thu 03 Dec 20:45: Report late (reports, owner sofia.lindqvist)",
				"- **INC-12** P3 at risk, resolve due Thu 03 Dec 23:45: Basket slow",
				"## Changes running now"},
			notWanted: []string{"**INC-11**", "**INC-4** P1 breached", "**INC-4** P1 at risk"},
		},
		{
			name: "changes running, overrunning and in the next 24 hours",
			st: model.HandoverState{Since: ago(24 * time.Hour), Changes: []model.Change{
				change(20, model.ChangeScheduled, now.Add(4*time.Hour), now.Add(5*time.Hour), "Storefront 2.0"),
				change(21, model.ChangeImplement, ago(3*time.Hour), ago(time.Hour), "DB failover test"),
				change(22, model.ChangeScheduled, ago(15*time.Minute), now.Add(time.Hour), "CDN rules"),
				change(23, model.ChangeScheduled, now.Add(30*time.Hour), now.Add(31*time.Hour), "Too far"),
				change(24, model.ChangeClosed, ago(5*time.Hour), ago(4*time.Hour), "Done already"),
				change(25, model.ChangeAuthorize, now.Add(2*time.Hour), now.Add(3*time.Hour), "Awaiting the board"),
				change(26, model.ChangeReview, ago(2*time.Hour), now.Add(time.Hour), "Done, in review"),
			}},
			want: []string{"## Changes running now",
				"- CHG-21 implement (storefront), **overrunning**, planned to end Thu 03 Dec 20:45, implementer sofia.lindqvist: DB failover test",
				"- CHG-22 scheduled (storefront), planned to end Thu 03 Dec 22:45",
				"## Changes in the next 24 hours",
				"- Thu 03 Dec 23:45 CHG-25 authorize (storefront), implementer sofia.lindqvist: Awaiting the board",
				"- Fri 04 Dec 01:45 CHG-20 scheduled (storefront), implementer sofia.lindqvist: Storefront 2.0",
				"## Active silences"},
			notWanted: []string{"CHG-23", "CHG-24", "CHG-26"},
		},
		{
			name: "active silences, what they mute and when they end",
			st: model.HandoverState{Since: ago(24 * time.Hour), Silences: []model.Silence{
				{ID: 3, Matchers: []model.Matcher{{Label: "service", Op: model.MatchEqual, Value: "search"}}, Author: "maya.patel",
					Comment: "reindex", StartsAt: ago(time.Hour), EndsAt: now.Add(8 * time.Hour), Matching: 2},
				{ID: 4, Matchers: []model.Matcher{{Label: "alertname", Op: model.MatchEqual, Value: "Later"}}, StartsAt: now.Add(time.Hour), EndsAt: now.Add(2 * time.Hour)},
			}},
			want:      []string{"- SIL-3 `service=\"search\"` mutes 2 firing alert(s) until Fri 04 Dec 05:45, set by maya.patel: reindex"},
			notWanted: []string{"SIL-4"},
		},
		{
			name: "notes since the last handover, per incident",
			st: model.HandoverState{Last: last, Since: last.UpdatedAt, Incidents: []model.Incident{p3, resolved, p1},
				Timelines: map[int64][]model.TimelineEntry{
					4: {note(4, ago(13*time.Hour), "tom.okafor", "Before the handover"), note(4, ago(2*time.Hour), "tom.okafor", "Paging the PSP")},
					5: {note(5, ago(3*time.Hour), "ben.hughes", "Cleared the session cache")},
					9: {{IncidentID: 9, At: ago(time.Hour), Actor: "hypercare", Kind: "sla", Text: "breached"}},
				}},
			want: []string{"## Notes since the last handover (KB-41, Thu 03 Dec 09:45)",
				"### INC-4 P1 In Progress: Checkout 5xx\n\n- Thu 03 Dec 19:45 tom.okafor: Paging the PSP",
				"### INC-5 P2 Resolved: Login loop\n\n- Thu 03 Dec 18:45 ben.hughes: Cleared the session cache",
				"## For the next shift"},
			notWanted: []string{"Before the handover", "### INC-9"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			title, body := model.ComposeHandover(tc.st, now.UTC(), loc)
			if title != "Handover: Thursday 3 December 2026 21:45" {
				t.Errorf("title %q", title)
			}
			rest := body
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("missing, or out of order: %q\nbody:\n%s", w, body)
				}
				rest = rest[i+len(w):]
			}
			for _, w := range tc.notWanted {
				if strings.Contains(body, w) {
					t.Errorf("has %q\nbody:\n%s", w, body)
				}
			}
		})
	}
}

// A handover drafted on the real store: a draft of kind handover named by
// the minute, carrying the open P1 with its owner and latest note, the
// change coming up and the silence in force; once it is published, the
// next one counts notes from it.
func TestDraftHandover(t *testing.T) {
	ctx := t.Context()
	_, desk, _, clk := planDesk(t, london(t, 12, 3, 18, 0))
	in, err := desk.CreateIncident(ctx, tom, model.NewIncident{Title: "Card payments fail", Service: "checkout",
		Category: "availability", Impact: model.High, Urgency: model.High})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := desk.AckIncident(ctx, tom, in.ID); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"PSP returns 502", "Failing over to the backup PSP"} {
		if err := desk.AddNote(ctx, tom, in.ID, text); err != nil {
			t.Fatal(err)
		}
	}
	ch, _, err := desk.CreateChange(ctx, tom, model.Change{Title: "Storefront 2.0", Services: []string{"storefront"},
		Impact: model.Low, Probability: model.Low, Implementer: "sofia.lindqvist",
		Start: london(t, 12, 4, 2, 0), End: london(t, 12, 4, 3, 0), Backout: "helm rollback", TestPlan: "smoke tests"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.NewMatcher("service", model.MatchEqual, "search")
	if err != nil {
		t.Fatal(err)
	}
	sil, err := desk.CreateSilence(ctx, maya, []model.Matcher{m}, 6*time.Hour, "search reindex")
	if err != nil {
		t.Fatal(err)
	}

	clk.At = london(t, 12, 3, 21, 45)
	if _, err := desk.DraftHandover(ctx, model.Actor{Name: "vic", Role: model.RoleViewer}); err == nil {
		t.Fatal("a viewer drafted a handover")
	}
	ho, err := desk.DraftHandover(ctx, tom)
	if err != nil {
		t.Fatal(err)
	}
	if ho.Kind != model.ArticleHandover || ho.State != model.ArticleDraft || ho.Slug != "handover-2026-12-03-2145" ||
		ho.Title != "Handover: Thursday 3 December 2026 21:45" || ho.Author != "tom.okafor" || ho.Version != 1 {
		t.Fatalf("drafted %s %s %q %q by %s v%d", ho.Kind, ho.State, ho.Slug, ho.Title, ho.Author, ho.Version)
	}
	for _, want := range []string{in.Ref() + "** P1 MAJOR, In Progress", "owner tom.okafor",
		"next step: Failing over to the backup PSP (tom.okafor, Thu 03 Dec", ch.Ref() + " new (storefront)",
		sil.Ref() + " `service=\"search\"`", "until Fri 04 Dec 00:00", "- Thu 03 Dec 18:00 tom.okafor: PSP returns 502"} {
		if !strings.Contains(ho.Body, want) {
			t.Errorf("the handover lacks %q:\n%s", want, ho.Body)
		}
	}

	// Published, it is the last handover: the next one's notes start there.
	if _, err := desk.StepArticle(ctx, tom, ho.ID, model.SubmitArticle, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := desk.StepArticle(ctx, maya, ho.ID, model.PublishArticle, ""); err != nil {
		t.Fatal(err)
	}
	clk.At = london(t, 12, 4, 9, 30)
	if err := desk.AddNote(ctx, sofia, in.ID, "Backup PSP holding"); err != nil {
		t.Fatal(err)
	}
	next, err := desk.DraftHandover(ctx, sofia)
	if err != nil {
		t.Fatal(err)
	}
	if next.ID == ho.ID || next.Slug != "handover-2026-12-04-0930" {
		t.Fatalf("the next handover is %s %s", next.Ref(), next.Slug)
	}
	if want := "## Notes since the last handover (" + ho.Ref() + ", Thu 03 Dec 21:45)"; !strings.Contains(next.Body, want) ||
		!strings.Contains(next.Body, "sofia.lindqvist: Backup PSP holding") || strings.Contains(next.Body, "PSP returns 502") {
		t.Fatalf("the next handover's notes, want %q:\n%s", want, next.Body)
	}
}
