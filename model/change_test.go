package model_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

func TestChangeFlow(t *testing.T) {
	type c = model.Change
	normal := func(st model.ChangeState) c { return c{ID: 1, Type: model.ChangeNormal, State: st} }
	typed := func(ty model.ChangeType, st model.ChangeState) c { return c{ID: 1, Type: ty, State: st} }
	cases := []struct {
		name   string
		change c
		act    model.ChangeAction
		want   model.ChangeState
		refuse string
	}{
		{"normal submit assesses", normal(model.ChangeNew), model.ChangeSubmit, model.ChangeAssess, ""},
		{"standard submit is pre-approved", typed(model.ChangeStandard, model.ChangeNew), model.ChangeSubmit, model.ChangeScheduled, ""},
		{"emergency skips assess", typed(model.ChangeEmergency, model.ChangeNew), model.ChangeSubmit, model.ChangeAuthorize, ""},
		{"submit twice", normal(model.ChangeAssess), model.ChangeSubmit, "", "only a new change is submitted"},
		{"assessed goes to authorize", normal(model.ChangeAssess), model.ChangeApprove, model.ChangeAuthorize, ""},
		{"approval in authorize waits for the rule", normal(model.ChangeAuthorize), model.ChangeApprove, model.ChangeAuthorize, ""},
		{"reject at assess returns to new", normal(model.ChangeAssess), model.ChangeReject, model.ChangeNew, ""},
		{"reject at authorize returns to new", normal(model.ChangeAuthorize), model.ChangeReject, model.ChangeNew, ""},
		{"approve a new change", normal(model.ChangeNew), model.ChangeApprove, "", "only a change in assess or authorize"},
		{"approve a scheduled change", normal(model.ChangeScheduled), model.ChangeApprove, "", "only a change in assess or authorize"},
		{"reschedule an approved change goes back", normal(model.ChangeScheduled), model.ChangeSchedule, model.ChangeAuthorize, ""},
		{"reschedule a standard change stays", typed(model.ChangeStandard, model.ChangeScheduled), model.ChangeSchedule, model.ChangeScheduled, ""},
		{"edit a draft", normal(model.ChangeNew), model.ChangeEdit, model.ChangeNew, ""},
		{"edit while running", normal(model.ChangeImplement), model.ChangeEdit, "", "planned before it starts"},
		{"start a scheduled change", normal(model.ChangeScheduled), model.ChangeStart, model.ChangeImplement, ""},
		{"start before authorisation", normal(model.ChangeAuthorize), model.ChangeStart, "", "only a scheduled change starts"},
		{"complete", normal(model.ChangeImplement), model.ChangeComplete, model.ChangeReview, ""},
		{"complete before start", normal(model.ChangeScheduled), model.ChangeComplete, "", "only a change being implemented"},
		{"close after review", normal(model.ChangeReview), model.ChangeClose, model.ChangeClosed, ""},
		{"close while running", normal(model.ChangeImplement), model.ChangeClose, "", "closed after its review"},
		{"cancel a draft", normal(model.ChangeNew), model.ChangeCancel, model.ChangeCancelled, ""},
		{"cancel while running", normal(model.ChangeImplement), model.ChangeCancel, model.ChangeCancelled, ""},
		{"cancel in review", normal(model.ChangeReview), model.ChangeCancel, "", "cancelled before its review"},
		{"cancel a closed change", normal(model.ChangeClosed), model.ChangeCancel, "", "cancelled before its review"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := model.NextState(tc.change, tc.act)
			if tc.refuse != "" {
				if err == nil || !strings.Contains(err.Error(), tc.refuse) || !strings.Contains(err.Error(), "CHG-1") {
					t.Fatalf("NextState = %s, %v; want a refusal naming CHG-1 and %q", got, err, tc.refuse)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("NextState = %s, %v; want %s", got, err, tc.want)
			}
		})
	}
}

func TestRiskFor(t *testing.T) {
	cases := []struct{ impact, prob, want model.Level }{
		{model.High, model.High, model.High},
		{model.High, model.Low, model.Medium},
		{model.Medium, model.Medium, model.Medium},
		{model.Medium, model.Low, model.Low},
		{model.Low, model.High, model.Medium},
		{model.Low, model.Low, model.Low},
	}
	for _, tc := range cases {
		if got, err := model.RiskFor(tc.impact, tc.prob); err != nil || got != tc.want {
			t.Errorf("RiskFor(%s, %s) = %s, %v; want %s", tc.impact, tc.prob, got, err, tc.want)
		}
	}
	if _, err := model.RiskFor(0, model.Low); err == nil || !strings.Contains(err.Error(), "impact") {
		t.Errorf("RiskFor without impact = %v; want an error naming impact", err)
	}
}

func TestApprovalRules(t *testing.T) {
	pol := model.ChangePolicy{
		Board:          []string{"ana", "raj", "li"},
		EmergencyBoard: []string{"ana", "boss"},
		Rules: []model.ApprovalRule{
			{Type: model.ChangeEmergency, From: model.ApproverEmergency, Count: 1},
			{Risk: model.High, From: model.ApproverBoard, Count: 2},
			{Risk: model.Low, From: model.ApproverLeads, Count: 1},
		},
	}
	lead := func(n string) model.Actor { return model.Actor{Name: n, Role: model.RoleLead} }
	high := model.Change{ID: 7, Type: model.ChangeNormal, State: model.ChangeAuthorize, Risk: model.High, Round: 1, Requester: "sam", Implementer: "raj"}
	low := high
	low.Risk = model.Low
	emerg := high
	emerg.Type = model.ChangeEmergency
	medium := high
	medium.Risk = model.Medium // no rule: the default, one lead

	approvals := func(round int, names ...string) []model.ChangeApproval {
		var out []model.ChangeApproval
		for _, n := range names {
			out = append(out, model.ChangeApproval{Round: round, Approver: n, Approve: true})
		}
		return out
	}
	cases := []struct {
		name      string
		change    model.Change
		approvals []model.ChangeApproval
		extra     int
		met       bool
		waiting   string
	}{
		{"high needs two of the board", high, approvals(1, "ana"), 0, false, "li"},
		{"high with two of the board", high, approvals(1, "ana", "li"), 0, true, ""},
		{"an old round does not count", high, approvals(0, "ana", "li"), 0, false, "ana,li"},
		{"a rejection is no approval", high, []model.ChangeApproval{{Round: 1, Approver: "ana"}, {Round: 1, Approver: "li", Approve: true}}, 0, false, ""},
		{"a soft freeze asks one more", high, approvals(1, "ana", "li"), 1, false, ""},
		{"low: one lead", low, approvals(1, "maya"), 0, true, ""},
		{"medium falls to the default", medium, approvals(1, "maya"), 0, true, ""},
		{"emergency board", emerg, approvals(1, "boss"), 0, true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			au := pol.Authorise(tc.change, tc.approvals, tc.extra)
			if au.Met != tc.met {
				t.Fatalf("Met = %v (%+v); want %v", au.Met, au, tc.met)
			}
			if tc.waiting != "" && strings.Join(au.Waiting, ",") != tc.waiting {
				t.Fatalf("Waiting = %v; want %s (the implementer raj never counts)", au.Waiting, tc.waiting)
			}
		})
	}

	refusals := []struct {
		name   string
		change model.Change
		who    model.Actor
		want   string
	}{
		{"an operator", low, model.Actor{Name: "tom", Role: model.RoleOperator}, "needs the lead role"},
		{"the requester", low, lead("sam"), "nobody approves their own change"},
		{"the implementer", high, lead("raj"), "nobody approves their own change"},
		{"a lead off the board", high, lead("maya"), "change board (ana, raj, li); maya is not on it"},
		{"a board member on an emergency", emerg, lead("li"), "emergency board"},
	}
	for _, tc := range refusals {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			if err := pol.MayApprove(tc.change, tc.who); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("MayApprove = %v; want %q", err, tc.want)
			}
		})
	}
	if err := pol.MayApprove(high, lead("ana")); err != nil {
		t.Fatalf("a board member may approve: %v", err)
	}
	assess := high
	assess.State = model.ChangeAssess
	if err := pol.MayApprove(assess, lead("maya")); err != nil {
		t.Fatalf("any lead assesses: %v", err)
	}
}

func TestStandardCatalogue(t *testing.T) {
	pol := model.ChangePolicy{Standard: []model.StandardChange{
		{ID: "tune", MaxRisk: model.Medium},
		{ID: "restart", Services: []string{"orders-db"}},
	}}
	cases := []struct {
		services []string
		risk     model.Level
		want     string
	}{
		{[]string{"orders-db"}, model.Low, "restart"}, // the entry for the service, though "tune" comes first

		{[]string{"checkout"}, model.Low, "tune"},
		{[]string{"checkout"}, model.Medium, "tune"},
		{[]string{"checkout"}, model.High, ""},
		{[]string{"orders-db", "checkout"}, model.Low, "tune"},
	}
	for _, tc := range cases {
		got, ok := pol.StandardFor(model.Change{Services: tc.services, Risk: tc.risk})
		if got.ID != tc.want || ok != (tc.want != "") {
			t.Errorf("StandardFor(%v, %s) = %q, %v; want %q", tc.services, tc.risk, got.ID, ok, tc.want)
		}
	}
}

// ukZone is a zone with a DST change: clocks go back at 02:00 BST on
// 25 Oct 2026 (01:00 UTC).
var ukZone = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return l
}()

func at(day, hour, minute int) time.Time {
	return time.Date(2026, 11, day, hour, minute, 0, 0, ukZone)
}

func span(from, to time.Time) model.Span { return model.Span{Start: from, End: to} }

func TestConflicts(t *testing.T) {
	change := func(start, end time.Time, services ...string) model.Change {
		return model.Change{ID: 1, Title: "mine", Services: services, Type: model.ChangeNormal, State: model.ChangeNew,
			Implementer: "sofia", Start: start, End: end}
	}
	other := func(id int64, start, end time.Time, implementer string, services ...string) model.Change {
		return model.Change{ID: id, Services: services, State: model.ChangeScheduled, Implementer: implementer, Start: start, End: end}
	}
	related := map[string][]string{"checkout": {"payments", "storefront"}, "payments": {"checkout"}}
	nightly := map[string][]model.Span{"orders-db": {span(at(24, 22, 0), at(25, 2, 0)), span(at(25, 22, 0), at(26, 2, 0))}}
	cases := []struct {
		name   string
		in     model.ConflictInput
		kinds  string // the conflicts' kinds in order
		reason string // in the first conflict's reason
	}{
		{"nothing around", model.ConflictInput{Change: change(at(25, 10, 0), at(25, 11, 0), "checkout")}, "", ""},
		{"same service overlap", model.ConflictInput{Change: change(at(25, 10, 0), at(25, 11, 0), "checkout"),
			Others: []model.Change{other(4, at(25, 10, 30), at(25, 12, 0), "raj", "checkout")}}, "service", "CHG-4 also changes checkout"},
		{"back to back is no conflict", model.ConflictInput{Change: change(at(25, 10, 0), at(25, 11, 0), "checkout"),
			Others: []model.Change{other(4, at(25, 11, 0), at(25, 12, 0), "raj", "checkout"), other(5, at(25, 9, 0), at(25, 10, 0), "sofia", "checkout")}}, "", ""},
		{"a closed change is no conflict", model.ConflictInput{Change: change(at(25, 10, 0), at(25, 11, 0), "checkout"),
			Others: []model.Change{{ID: 4, Services: []string{"checkout"}, State: model.ChangeClosed, Start: at(25, 10, 0), End: at(25, 11, 0)}}}, "", ""},
		{"a dependency", model.ConflictInput{Change: change(at(25, 10, 0), at(25, 11, 0), "checkout"), Plan: model.PlanCalendar{Related: related},
			Others: []model.Change{other(4, at(25, 10, 30), at(25, 12, 0), "raj", "payments")}}, "dependency", "CHG-4 changes payments"},
		{"an unrelated service", model.ConflictInput{Change: change(at(25, 10, 0), at(25, 11, 0), "checkout"), Plan: model.PlanCalendar{Related: related},
			Others: []model.Change{other(4, at(25, 10, 30), at(25, 12, 0), "raj", "search")}}, "", ""},
		{"implementer double-booked", model.ConflictInput{Change: change(at(25, 10, 0), at(25, 11, 0), "checkout"),
			Others: []model.Change{other(4, at(25, 10, 30), at(25, 12, 0), "Sofia", "search")}}, "implementer", "sofia is implementing CHG-4"},
		{"inside a window across midnight", model.ConflictInput{Change: change(at(24, 23, 30), at(25, 1, 30), "orders-db"), Plan: model.PlanCalendar{Windows: nightly}}, "", ""},
		{"past the window's end", model.ConflictInput{Change: change(at(25, 1, 0), at(25, 3, 0), "orders-db"), Plan: model.PlanCalendar{Windows: nightly}},
			"window", "outside orders-db's maintenance windows (nearest: Tue 24 Nov 22:00 – 02:00)"},
		{"a service without windows", model.ConflictInput{Change: change(at(25, 12, 0), at(25, 13, 0), "checkout"), Plan: model.PlanCalendar{Windows: nightly}}, "", ""},
		{"windows that touch are one", model.ConflictInput{Change: change(at(25, 1, 0), at(25, 3, 0), "orders-db"),
			Plan: model.PlanCalendar{Windows: map[string][]model.Span{"orders-db": {span(at(24, 22, 0), at(25, 2, 0)), span(at(25, 2, 0), at(25, 4, 0))}}}}, "", ""},
		{"a hard freeze blocks", model.ConflictInput{Change: change(at(27, 10, 0), at(27, 11, 0), "checkout"),
			Plan: model.PlanCalendar{Freezes: []model.FreezeSpan{{Span: span(at(27, 0, 0), at(30, 0, 0)), Name: "Black Friday", Hard: true, Services: []string{"checkout"}}}}},
			"freeze", `inside the hard freeze "Black Friday"`},
		{"a freeze on other services", model.ConflictInput{Change: change(at(27, 10, 0), at(27, 11, 0), "search"),
			Plan: model.PlanCalendar{Freezes: []model.FreezeSpan{{Span: span(at(27, 0, 0), at(30, 0, 0)), Name: "Black Friday", Hard: true, Services: []string{"checkout"}}}}}, "", ""},
		{"a freeze ending as the change starts", model.ConflictInput{Change: change(at(30, 0, 0), at(30, 1, 0), "checkout"),
			Plan: model.PlanCalendar{Freezes: []model.FreezeSpan{{Span: span(at(27, 0, 0), at(30, 0, 0)), Name: "Black Friday", Hard: true}}}}, "", ""},
		{"a job on the service", model.ConflictInput{Change: change(at(25, 2, 0), at(25, 3, 0), "orders-db"),
			Plan: model.PlanCalendar{Runs: []model.PlannedRun{{Span: span(at(25, 2, 30), at(25, 3, 10)), Job: "backup-orders-db", Name: "nightly backup", Service: "orders-db", Backup: true}}}},
			"job", "the backup nightly backup runs on orders-db at Wed 25 Nov 02:30"},
		{"an open P1", model.ConflictInput{Change: change(at(25, 10, 0), at(25, 11, 0), "checkout"),
			Critical: []model.Incident{{ID: 9, Kind: model.KindIncident, Service: "checkout", Priority: 1, State: model.StateInProgress, Title: "502s"}}},
			"incident", "INC-9 (P1) is open on checkout"},
		{"a resolved P1 is no conflict", model.ConflictInput{Change: change(at(25, 10, 0), at(25, 11, 0), "checkout"),
			Critical: []model.Incident{{ID: 9, Service: "checkout", Priority: 1, State: model.StateResolved}}}, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Loc = ukZone
			got := model.Conflicts(tc.in)
			var kinds []string
			for _, c := range got {
				kinds = append(kinds, string(c.Kind))
			}
			if strings.Join(kinds, ",") != tc.kinds {
				t.Fatalf("conflicts = %+v; want kinds %q", got, tc.kinds)
			}
			if tc.reason != "" && !strings.Contains(got[0].Reason, tc.reason) {
				t.Fatalf("reason = %q; want it to contain %q", got[0].Reason, tc.reason)
			}
		})
	}
}

func TestConflictsAcrossDST(t *testing.T) {
	// The night the clocks go back, a 00:30–02:30 window lasts three hours
	// of real time; a change of 2h30 from 00:30 local fits inside it.
	night := time.Date(2026, 10, 25, 0, 30, 0, 0, ukZone)
	end := time.Date(2026, 10, 25, 2, 30, 0, 0, ukZone)
	if got := end.Sub(night); got != 3*time.Hour {
		t.Fatalf("test setup: the window lasts %s, want 3h", got)
	}
	c := model.Change{ID: 1, Services: []string{"orders-db"}, Start: night, End: night.Add(150 * time.Minute)}
	in := model.ConflictInput{Change: c, Loc: ukZone, Plan: model.PlanCalendar{Windows: map[string][]model.Span{"orders-db": {span(night, end)}}}}
	if got := model.Conflicts(in); len(got) != 0 {
		t.Fatalf("conflicts = %+v; want none", got)
	}
}

func TestBlockingAndExtra(t *testing.T) {
	hard := []model.Conflict{{Kind: model.ConflictFreeze, Blocks: true, Reason: "inside the hard freeze"}}
	soft := []model.Conflict{{Kind: model.ConflictFreeze, Extra: true}}
	if _, ok := model.Blocking(model.Change{Type: model.ChangeNormal}, hard); !ok {
		t.Error("a normal change in a hard freeze is not blocked")
	}
	if _, ok := model.Blocking(model.Change{Type: model.ChangeEmergency}, hard); !ok {
		t.Error("an emergency without a reason in a hard freeze is not blocked")
	}
	if _, ok := model.Blocking(model.Change{Type: model.ChangeEmergency, Reason: "site down"}, hard); ok {
		t.Error("an emergency with a reason is blocked by a hard freeze")
	}
	if _, ok := model.Blocking(model.Change{Type: model.ChangeNormal}, soft); ok {
		t.Error("a soft freeze blocks")
	}
	if model.ExtraApprovals(soft) != 1 || model.ExtraApprovals(hard) != 0 {
		t.Error("a soft freeze asks one more approval, a hard one none")
	}
}

func TestNextSlot(t *testing.T) {
	nightly := func(from, days int) []model.Span {
		var out []model.Span
		for d := from; d < from+days; d++ {
			out = append(out, span(at(d, 22, 0), at(d+1, 2, 0)))
		}
		return out
	}
	cases := []struct {
		name string
		s    model.SlotSearch
		want time.Time
		none bool
	}{
		{"no windows: right away", model.SlotSearch{Services: []string{"checkout"}, Duration: time.Hour, After: at(25, 10, 0)}, at(25, 10, 0), false},
		{"the next window", model.SlotSearch{Services: []string{"orders-db"}, Duration: 2 * time.Hour, After: at(25, 10, 0),
			Plan: model.PlanCalendar{Windows: map[string][]model.Span{"orders-db": nightly(24, 5)}}}, at(25, 22, 0), false},
		{"inside the window we are in", model.SlotSearch{Services: []string{"orders-db"}, Duration: time.Hour, After: at(25, 23, 0),
			Plan: model.PlanCalendar{Windows: map[string][]model.Span{"orders-db": nightly(24, 5)}}}, at(25, 23, 0), false},
		{"after a booked change", model.SlotSearch{Services: []string{"orders-db"}, Duration: 2 * time.Hour, After: at(25, 10, 0),
			Plan:   model.PlanCalendar{Windows: map[string][]model.Span{"orders-db": nightly(24, 5)}},
			Others: []model.Change{{ID: 4, Services: []string{"orders-db"}, State: model.ChangeScheduled, Start: at(25, 22, 0), End: at(25, 23, 0)}}}, at(25, 23, 0), false},
		{"a full window moves to the next night", model.SlotSearch{Services: []string{"orders-db"}, Duration: 3 * time.Hour, After: at(25, 10, 0),
			Plan:   model.PlanCalendar{Windows: map[string][]model.Span{"orders-db": nightly(24, 5)}},
			Others: []model.Change{{ID: 4, Services: []string{"orders-db"}, State: model.ChangeScheduled, Start: at(25, 22, 0), End: at(25, 23, 30)}}}, at(26, 22, 0), false},
		{"after a freeze", model.SlotSearch{Services: []string{"checkout"}, Duration: time.Hour, After: at(27, 10, 0),
			Plan: model.PlanCalendar{Freezes: []model.FreezeSpan{{Span: span(at(27, 0, 0), at(30, 0, 0)), Name: "BF", Hard: true}}}}, at(30, 0, 0), false},
		{"too long for any window", model.SlotSearch{Services: []string{"orders-db"}, Duration: 5 * time.Hour, After: at(25, 10, 0),
			Plan: model.PlanCalendar{Windows: map[string][]model.Span{"orders-db": nightly(24, 5)}}}, time.Time{}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := model.NextSlot(tc.s)
			if tc.none {
				if ok {
					t.Fatalf("NextSlot = %v; want none", got)
				}
				return
			}
			if !ok || !got.Start.Equal(tc.want) || got.End.Sub(got.Start) != tc.s.Duration {
				t.Fatalf("NextSlot = %v, %v; want %s", got, ok, tc.want)
			}
		})
	}
}
