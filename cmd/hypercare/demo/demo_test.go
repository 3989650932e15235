package demo

import (
	"io/fs"
	"math/rand/v2"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/kb"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
	"github.com/hypercare-ops/hypercare/store"
)

func openDesk(t *testing.T, p *plan.Plan) (*store.DB, *model.Desk) {
	t.Helper()
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "demo.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, model.NewDesk(db, p)
}

func TestPlanPutsTodayOnDay7(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	for _, now := range []time.Time{
		time.Date(2026, 11, 25, 12, 0, 0, 0, london), // the plan's own day 7
		time.Date(2027, 3, 28, 0, 30, 0, 0, london),  // just after the spring DST change
		time.Date(2025, 1, 1, 23, 59, 0, 0, time.UTC),
	} {
		p, err := Plan(now)
		if err != nil {
			t.Fatal(err)
		}
		if day, _ := p.Day(now); day != today {
			t.Errorf("now %s: day %d, want %d", now, day, today)
		}
	}
}

// TestSeed seeds at the hours where the week is shortest and longest, just
// after midnight and just before it, and across a DST change.
func TestSeed(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	for _, now := range []time.Time{
		time.Date(2026, 6, 10, 0, 5, 0, 0, london),
		time.Date(2026, 6, 10, 23, 55, 0, 0, london),
		time.Date(2026, 10, 28, 0, 5, 0, 0, london), // the week spans the end of summer time
	} {
		t.Run(now.Format("Jan 2 15:04"), func(t *testing.T) { checkSeed(t, now) })
	}
}

func checkSeed(t *testing.T, now time.Time) {
	ctx := t.Context()
	p, err := Plan(now)
	if err != nil {
		t.Fatal(err)
	}
	db, desk := openDesk(t, p)
	clock := desk.Now
	if err := Seed(ctx, desk, p, now); err != nil {
		t.Fatal(err)
	}
	if got := desk.Now(); got.Sub(clock()).Abs() > time.Minute {
		t.Errorf("desk.Now not restored: %s", got)
	}

	incidents, err := db.Queue(ctx, model.QueueQuery{All: true})
	if err != nil {
		t.Fatal(err)
	}
	states := map[model.IncidentState]int{}
	var open, majors, requests int
	for _, in := range incidents {
		states[in.State]++
		if in.State.Open() {
			open++
		}
		if in.Major {
			majors++
		}
		if in.Kind == model.KindRequest {
			requests++
		}
		if in.OpenedAt.After(now) || in.OpenedAt.Before(p.Hypercare.Start) {
			t.Errorf("%s opened at %s, outside the hypercare week", in.Ref(), in.OpenedAt)
		}
	}
	for _, s := range []model.IncidentState{model.StateNew, model.StateInProgress, model.StateOnHold, model.StateResolved, model.StateClosed, model.StateCancelled} {
		if states[s] == 0 {
			t.Errorf("no incident in state %s: %v", s, states)
		}
	}
	if len(incidents) < 35 || majors != 1 || requests < 3 {
		t.Errorf("%d incidents, %d major, %d requests; want ≥35, 1, ≥3", len(incidents), majors, requests)
	}

	counts, err := db.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	alerts, err := db.Feed(ctx, model.FeedQuery{})
	if err != nil {
		t.Fatal(err)
	}
	firing, repeated := 0, 0
	for _, a := range alerts {
		if a.State == model.AlertFiring {
			firing++
		}
		if a.Deliveries > 1 {
			repeated++
		}
	}
	if counts.Incidents != len(incidents) || counts.OpenIncidents != open || counts.Alerts != len(alerts) || counts.Firing != firing {
		t.Errorf("counts %+v disagree with %d incidents (%d open), %d alerts (%d firing)", counts, len(incidents), open, len(alerts), firing)
	}
	if len(alerts) < 100 || firing == 0 || firing == len(alerts) || repeated == 0 {
		t.Errorf("%d alerts, %d firing, %d delivered more than once", len(alerts), firing, repeated)
	}

	articles, err := db.Articles(ctx, model.ArticleQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(articles) < 35 {
		t.Errorf("%d articles, want ≥35", len(articles))
	}
	hits, err := db.Articles(ctx, model.ArticleQuery{Search: "failover"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) == 0 || !strings.Contains(hits[0].Title, "orders-db") {
		t.Errorf("search failover: %d hits, first %q", len(hits), firstTitle(hits))
	}

	cs, err := db.ChangesBetween(ctx, now.AddDate(0, 0, -30), now.AddDate(0, 0, 60))
	if err != nil {
		t.Fatal(err)
	}
	var before, after, inFreeze int
	changeStates := map[model.ChangeState]int{}
	for _, c := range cs {
		changeStates[c.State]++
		if c.End.Before(now) {
			before++
		}
		if c.Start.After(now) {
			after++
		}
		for _, f := range p.FreezesBetween(c.Start, c.End) {
			if f.Hard && f.Applies(c.Service()) {
				inFreeze++
			}
		}
	}
	if len(cs) != len(changes) || before < 5 || after < 5 || inFreeze == 0 {
		t.Errorf("%d changes (want %d), %d before now, %d after, %d in a hard freeze", len(cs), len(changes), before, after, inFreeze)
	}
	for _, st := range model.ChangeStates {
		if changeStates[st] == 0 {
			t.Errorf("no change is %s: %v", st, changeStates)
		}
	}
	deploys, err := db.DeploysBetween(ctx, now.AddDate(0, 0, -30), now.Add(time.Hour))
	if err != nil || len(deploys) != 2 || deploys[0].Unauthorised == deploys[1].Unauthorised {
		t.Errorf("deploys = %+v, %v; want one covered by the running change and one unauthorised", deploys, err)
	}
	checkProblems(t, db, now)
	checkJobs(t, db, p, now)
}

// checkJobs checks the week of the plan's jobs: every job ran, the
// stories' nights show (settlement failed on day 2 and re-ran, was late on
// day 6; the backup has failed since day 6, so it is past its RPO), the
// feeds are mostly ok, and the misses opened no incident.
func checkJobs(t *testing.T, db *store.DB, p *plan.Plan, now time.Time) {
	ctx := t.Context()
	jobs, err := model.ReadJobs(ctx, db, p.JobSpecs(), 400, now)
	if err != nil {
		t.Fatal(err)
	}
	sch := newScheduler(p)
	byID := map[string]model.JobSummary{}
	for _, j := range jobs {
		byID[j.Spec.ID] = j
		if len(j.Runs) == 0 || j.Rate < 0.5 {
			t.Errorf("%s: %d runs, success %.2f", j.Spec.ID, len(j.Runs), j.Rate)
		}
	}
	day := func(job string, d int) []model.JobRun {
		var out []model.JobRun
		for _, r := range byID[job].Runs {
			if sch.day(r.At()) == d {
				out = append(out, r)
			}
		}
		return out
	}
	statuses := func(runs []model.JobRun) string {
		var s []string
		for _, r := range runs {
			s = append(s, string(r.Status))
		}
		return strings.Join(s, " ")
	}
	if got := statuses(day("nightly-settlement", 2)); got != "ok failed" {
		t.Errorf("settlement on day 2: %s, want a failure and a re-run (newest first)", got)
	}
	if got := statuses(day("nightly-settlement", 6)); got != "late" {
		t.Errorf("settlement on day 6: %s, want late", got)
	}
	if b := byID["backup-orders-db"]; b.RPOBreach <= 0 {
		t.Errorf("backup: last good %s, no RPO breach at %s", b.LastOK, now)
	}
	if f := byID["stock-feed"]; f.Rate < 0.8 || f.Rate == 1 {
		t.Errorf("stock feed: success %.2f, want mostly ok, not all", f.Rate)
	}
	alerts, err := db.Feed(ctx, model.FeedQuery{Labels: []model.Matcher{{Label: "job", Op: model.MatchEqual, Value: "nightly-settlement"}}, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]int{}
	for _, a := range alerts {
		names[a.Name]++
		if a.IncidentID != 0 || a.State != model.AlertResolved {
			t.Errorf("settlement alert %s %s: incident %d; want resolved, without an incident", a.Name, a.State, a.IncidentID)
		}
	}
	if names["JobFailed"] != 1 || names["JobMissed"] != 1 {
		t.Errorf("settlement alerts %v; want one failure (day 2) and one miss (day 6)", names)
	}
}

// checkProblems checks the week's problems: one being fixed, with its RCA,
// actions, published known error and an incident waiting for it; one still
// being assessed; and a suggestion left for the operator.
func checkProblems(t *testing.T, db *store.DB, now time.Time) {
	ctx := t.Context()
	list, err := db.Problems(ctx, model.ProblemQuery{All: true})
	if err != nil {
		t.Fatal(err)
	}
	byState := map[model.ProblemState]model.Problem{}
	for _, p := range list {
		byState[p.State] = p
	}
	fixing, ok := byState[model.ProblemFixing]
	if len(list) != len(problems) || !ok {
		t.Fatalf("problems %+v; want %d, one in Fix in progress", list, len(problems))
	}
	if _, ok := byState[model.ProblemAssess]; !ok {
		t.Errorf("no problem being assessed: %+v", list)
	}
	if rca := fixing.RCA; rca.Timeline == "" || len(rca.Whys) != model.MaxWhys || rca.Factors == "" {
		t.Errorf("%s RCA = %+v; want a timeline, 5 whys and factors", fixing.Ref(), rca)
	}
	ke := fixing.KnownError
	ar, err := db.Article(ctx, ke.Article)
	if ke.Symptom == "" || ke.RootCause == "" || ke.Workaround == "" || err != nil ||
		ar.Kind != model.ArticleKnownError || ar.State != model.ArticlePublished || !strings.Contains(ar.Body, ke.Workaround) {
		t.Errorf("%s known error %+v published as %+v (%v)", fixing.Ref(), ke, ar, err)
	}

	actions, err := db.ProblemActions(ctx, fixing.ID)
	if err != nil {
		t.Fatal(err)
	}
	done := 0
	for _, a := range actions {
		if a.Owner == "" || a.Due.IsZero() {
			t.Errorf("%s action %q: owner %q, due %v", fixing.Ref(), a.Text, a.Owner, a.Due)
		}
		if a.Done {
			done++
		}
	}
	if len(actions) < 3 || done != 1 || fixing.OpenActions != len(actions)-1 {
		t.Errorf("%s: %d actions, %d done, %d open; want 3 or more, one done", fixing.Ref(), len(actions), done, fixing.OpenActions)
	}

	linked, err := db.ProblemIncidents(ctx, fixing.ID)
	if err != nil {
		t.Fatal(err)
	}
	if waiting := model.WaitingOnProblem(linked); len(linked) < 3 || len(waiting) != 1 || fixing.Incidents != len(linked) {
		t.Errorf("%s: %d incidents linked, %d on hold awaiting it; want 3 or more, one", fixing.Ref(), len(linked), len(waiting))
	}
	tl, err := db.Timeline(ctx, linked[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(tl, func(e model.TimelineEntry) bool { return e.Text == fixing.Ref()+" moved to Fix in progress" }) {
		t.Errorf("%s's timeline does not say its problem moved to Fix in progress: %+v", linked[0].Ref(), tl)
	}

	if sug, err := db.ProblemSuggestions(ctx, now); err != nil || len(sug) == 0 {
		t.Errorf("problem suggestions %+v, %v; want the major incident's", sug, err)
	}
}

func firstTitle(hits []model.ArticleHit) string {
	if len(hits) == 0 {
		return ""
	}
	return hits[0].Title
}

func TestSeedIsDeterministic(t *testing.T) {
	now := time.Date(2026, 6, 10, 14, 30, 0, 0, time.UTC)
	var feeds [2][]model.Alert
	for i := range feeds {
		p, err := Plan(now)
		if err != nil {
			t.Fatal(err)
		}
		db, desk := openDesk(t, p)
		if err := Seed(t.Context(), desk, p, now); err != nil {
			t.Fatal(err)
		}
		if feeds[i], err = db.Feed(t.Context(), model.FeedQuery{}); err != nil {
			t.Fatal(err)
		}
	}
	if len(feeds[0]) != len(feeds[1]) {
		t.Fatalf("alerts: %d, then %d", len(feeds[0]), len(feeds[1]))
	}
	for i := range feeds[0] {
		a, b := feeds[0][i], feeds[1][i]
		if a.DedupKey != b.DedupKey || a.Firings != b.Firings || a.Deliveries != b.Deliveries || a.Summary != b.Summary || !a.LastSeen.Equal(b.LastSeen) {
			t.Fatalf("alert %d differs:\n%+v\n%+v", i, a, b)
		}
	}
}

func TestStorm(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	now := time.Now()
	storm, ok := DefaultCatalogue().Storm(rnd, stormSize, now)
	if !ok || len(storm) != stormSize {
		t.Fatalf("storm of %d, ok %v", len(storm), ok)
	}
	keys := map[string]bool{}
	for _, a := range storm {
		if a.Name != storm[0].Name || a.Service != storm[0].Service {
			t.Errorf("storm mixes rules: %s/%s and %s/%s", a.Service, a.Name, storm[0].Service, storm[0].Name)
		}
		keys[a.DedupKey] = true
	}
	if len(keys) != stormSize {
		t.Errorf("storm has %d distinct alerts, want %d", len(keys), stormSize)
	}
	if _, ok := Catalogue(DefaultCatalogue()[:1]).Storm(rnd, 50, now); ok {
		t.Error("storm wider than any rule")
	}
}

// TestCatalogueAndPlanAgree keeps the demo's content consistent with the
// plan and the knowledge base it ships with.
func TestCatalogueAndPlanAgree(t *testing.T) {
	p, err := Plan(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	slugs := map[string]bool{}
	entries, err := fs.ReadDir(kbFiles, "kb")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		slugs[strings.TrimSuffix(e.Name(), ".md")] = true
		data, _ := kbFiles.ReadFile(path.Join("kb", e.Name()))
		ar, err := kb.Parse(e.Name(), data)
		if err != nil {
			t.Error(err)
			continue
		}
		for _, sv := range ar.Services {
			if _, ok := p.Service(sv); !ok {
				t.Errorf("%s: service %q is not in the plan", e.Name(), sv)
			}
		}
		if n := strings.Count(ar.Body, "\n"); n < 12 || n > 70 {
			t.Errorf("%s: %d lines; keep articles between 15 and 60 lines", e.Name(), n)
		}
	}
	for _, r := range DefaultCatalogue() {
		if _, ok := p.Service(r.Service); !ok {
			t.Errorf("rule %s: service %q is not in the plan", r.Name, r.Service)
		}
		if r.Runbook != "" && !slugs[r.Runbook] {
			t.Errorf("rule %s on %s: runbook %q has no article", r.Name, r.Service, r.Runbook)
		}
	}
	for _, sv := range p.Services {
		for _, rb := range sv.Runbooks {
			if !slugs[rb] {
				t.Errorf("plan service %s: runbook %q has no article", sv.ID, rb)
			}
		}
	}
	for slug := range written {
		if !slugs[slug] {
			t.Errorf("written: no article %q", slug)
		}
	}
}

// TestStoriesStayInThePast checks the rule that makes Seed work at any hour:
// a pinned story ends before day 7 begins, a story of today before now.
func TestStoriesStayInThePast(t *testing.T) {
	for _, st := range stories {
		last := time.Duration(0)
		for _, s := range st.steps {
			last = max(last, s.after)
		}
		if st.opened.ago != 0 {
			if last >= st.opened.ago {
				t.Errorf("%q: last step %v after opening, but opened %v ago", st.title, last, st.opened.ago)
			}
			continue
		}
		opened := time.Duration(st.opened.day-1)*24*time.Hour + hm(st.opened.hour, st.opened.minute)
		if end := opened + last; end >= (today-1)*24*time.Hour {
			t.Errorf("%q: last step on day %d, want before day %d", st.title, 1+int(end/(24*time.Hour)), today)
		}
	}
	// Problems run over days, so their steps are pinned to days before today.
	for _, ps := range problems {
		moments := []when{ps.opened}
		for _, s := range ps.steps {
			moments = append(moments, s.at)
		}
		for _, w := range moments {
			if w.ago != 0 || w.day >= today {
				t.Errorf("problem %q: a step at %+v; pin every step to a day before %d", ps.title, w, today)
			}
		}
	}
}
