package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
)

// warRoom is the part of the daily report a war room reads by name: what
// is open and who has it, what breached, the majors' timelines, the flow
// per service, the changes behind and ahead, the alerts that made noise,
// what is expiring and which RCA actions are late.
type warRoom struct {
	Previous     flowCount        `json:"previous_period"` // opened and resolved in the window before
	Open         []openLine       `json:"open"`
	Breaches     []openLine       `json:"breaches_and_at_risk"`
	Majors       []majorLine      `json:"majors"`
	Services     []serviceFlow    `json:"per_service"`
	ChangesDone  []reportChange   `json:"changes_done"`
	ChangesNext  []reportChange   `json:"changes_next_72h"`
	Caused       []causedLine     `json:"change_caused_incidents"`
	Unauthorised []model.Deploy   `json:"unauthorised_deploys"`
	Licences     []licenceLine    `json:"licences_expiring"`
	JobRuns      []jobRunLine     `json:"jobs_failed_missed_late"`
	RPOBreaches  []rpoLine        `json:"backups_past_rpo"`
	Noisiest     []alertLine      `json:"noisiest_alerts"`
	Flapping     []alertLine      `json:"flapping_alerts"`
	Silences     []model.Silence  `json:"active_silences"`
	LateActions  []lateActionLine `json:"overdue_rca_actions"`
	Knowledge    knowledgeLine    `json:"knowledge"`
}

// jobRunLine sums up one job's failed, missed and late runs in the
// period: a feed every five minutes would otherwise fill the page.
type jobRunLine struct {
	Job     string `json:"job"`
	Kind    string `json:"kind"`
	Service string `json:"service"`
	Owner   string `json:"owner"`
	Failed  int    `json:"failed"`
	Missed  int    `json:"missed"`
	Late    int    `json:"late"`
	Last    string `json:"last"`             // the newest of them: when, and how it ended
	Message string `json:"message,omitzero"` // the newest failure's message
}

// rpoLine is a backup whose newest good run is older than its RPO.
type rpoLine struct {
	Job    string `json:"job"`
	LastOK string `json:"last_ok"` // "never" when none has succeeded
	RPO    string `json:"rpo"`
	Over   string `json:"over_by"`
}

// readJobs lists the period's failed, missed and late runs, and the
// backups past their RPO now.
func readJobs(ctx context.Context, r model.Reader, p *plan.Plan, from, now time.Time, at func(time.Time) string) ([]jobRunLine, []rpoLine, error) {
	specs := map[string]model.JobSpec{}
	for _, j := range p.JobSpecs() {
		specs[j.ID] = j
	}
	runs, err := r.JobRunsBetween(ctx, from, now)
	if err != nil {
		return nil, nil, err
	}
	var bad []jobRunLine
	index := map[string]int{}
	for _, run := range runs { // by time: the newest last
		if run.Status != model.JobFailed && run.Status != model.JobMissed && run.Status != model.JobLate {
			continue
		}
		i, ok := index[run.Job]
		if !ok {
			j := specs[run.Job]
			i = len(bad)
			index[run.Job] = i
			bad = append(bad, jobRunLine{Job: run.Job, Kind: j.Kind, Service: j.Service, Owner: j.Owner})
		}
		l := &bad[i]
		switch run.Status {
		case model.JobFailed:
			l.Failed++
			l.Message = run.Message
		case model.JobMissed:
			l.Missed++
		default:
			l.Late++
		}
		l.Last = at(run.At()) + " " + string(run.Status)
	}
	// Backups first: a lost backup is what a war room must hear about.
	slices.SortStableFunc(bad, func(a, b jobRunLine) int {
		return cmp.Or(cmp.Compare(boolRank(a.Kind != model.JobBackup), boolRank(b.Kind != model.JobBackup)),
			cmp.Compare(b.Failed+b.Missed, a.Failed+a.Missed))
	})
	watched, err := r.JobsWatched(ctx)
	if err != nil {
		return nil, nil, err
	}
	var late []rpoLine
	for _, j := range p.JobSpecs() {
		if j.Kind != model.JobBackup || j.RPO <= 0 {
			continue
		}
		last, err := r.LastGoodRun(ctx, j.ID)
		if err != nil && !errors.Is(err, model.ErrNotFound) {
			return nil, nil, err
		}
		sum := model.SummariseJob(j, nil, last, watched[j.ID], now)
		if sum.RPOBreach <= 0 {
			continue
		}
		lastOK := "never"
		if !sum.LastOK.IsZero() {
			lastOK = at(sum.LastOK)
		}
		late = append(late, rpoLine{Job: j.ID, LastOK: lastOK, RPO: spell(j.RPO), Over: spell(sum.RPOBreach.Round(time.Minute))})
	}
	return bad, late, nil
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// knowledgeLine is what the knowledge base gained and how it was used in
// the period, and where required reading stands now.
type knowledgeLine struct {
	Saved     int                `json:"versions_saved"` // written, edited, imported or restored
	Published int                `json:"published"`
	Reads     int                `json:"reads"`
	Used      []model.ArticleUse `json:"used_on_incidents"`
	Reading   model.Ratio        `json:"required_reading_done"`
	// Behind are the operators with required reading left, "name (n)".
	Behind []string `json:"behind_on_reading"`
}

type flowCount struct {
	Opened   int `json:"opened"`
	Resolved int `json:"resolved"`
}

type openLine struct {
	Ref      string        `json:"ref"`
	Priority string        `json:"priority"`
	Title    string        `json:"title"`
	Service  string        `json:"service"`
	Owner    string        `json:"owner"`
	Age      time.Duration `json:"age"`
	State    string        `json:"state"`
	Next     string        `json:"next_step,omitzero"` // the latest note
	SLA      string        `json:"sla,omitzero"`       // breached or at risk, for the breach list
}

type majorLine struct {
	openLine
	Timeline []model.TimelineEntry `json:"timeline"`
}

type serviceFlow struct {
	Service  string `json:"service"`
	Opened   int    `json:"opened"`
	Resolved int    `json:"resolved"`
	Open     int    `json:"open"`
}

type reportChange struct {
	Ref       string   `json:"ref"`
	Title     string   `json:"title"`
	Services  string   `json:"services"`
	State     string   `json:"state"`
	Start     string   `json:"start"`
	Outcome   string   `json:"outcome,omitzero"`
	Conflicts []string `json:"conflicts,omitzero"`
}

type causedLine struct {
	Change   string `json:"change"`
	Incident string `json:"incident"`
	Priority string `json:"priority"`
}

type licenceLine struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Owner   string `json:"owner"`
	Expires string `json:"expires"`
	Days    int    `json:"days_left"`
}

type alertLine struct {
	Ref        string `json:"ref"`
	Name       string `json:"name"`
	Service    string `json:"service"`
	Deliveries int    `json:"deliveries"`
	State      string `json:"state"`
}

type lateActionLine struct {
	Problem string `json:"problem"`
	Text    string `json:"text"`
	Owner   string `json:"owner"`
	Due     string `json:"due"`
}

// Report limits: a war room reads a page, not the database.
const (
	articlesUsedShown = 5
	auditScan         = 20000
	noisiestShown     = 5
	alertScan         = 5000
	licenceHorizon    = 30 * 24 * time.Hour
	changesAhead      = 72 * time.Hour
	timelineEntries   = 12
)

// readKnowledge counts the period's article writes, publications and
// reads from the audit log, the articles used on incidents, and the
// required reading done now.
func readKnowledge(ctx context.Context, r model.Reader, from, now time.Time) (knowledgeLine, error) {
	var k knowledgeLine
	entries, err := r.Audit(ctx, model.AuditQuery{Since: from, Filter: "article.", Limit: auditScan})
	if err != nil {
		return k, err
	}
	for _, e := range entries {
		if !e.At.Before(now) {
			continue
		}
		switch e.Action {
		case "article.save", "article.import", "article.restore":
			k.Saved++
		case "article.publish":
			k.Published++
		case "article.read":
			k.Reads++
		}
	}
	if k.Used, err = r.ArticleUses(ctx, from, now, articlesUsedShown); err != nil {
		return k, err
	}
	td, err := r.TrainingData(ctx)
	if err != nil {
		return k, err
	}
	t := td.At(now).Matrix()
	k.Reading = t.Completion
	for _, row := range t.Rows {
		if left := row.Done.Of - row.Done.N; left > 0 {
			k.Behind = append(k.Behind, fmt.Sprintf("%s (%d)", row.Name, left))
		}
	}
	return k, nil
}

// readWarRoom reads the war-room sections for the window [from, now).
func readWarRoom(ctx context.Context, r model.Reader, desk *model.Desk, p *plan.Plan, from, now time.Time) (warRoom, error) {
	var w warRoom
	loc := p.Location()
	at := func(t time.Time) string { return t.In(loc).Format("Mon 02 Jan 15:04") }

	prev, err := r.IncidentsSince(ctx, from.Add(-now.Sub(from)))
	if err != nil {
		return w, err
	}
	for _, in := range prev {
		if !in.OpenedAt.Before(from.Add(-now.Sub(from))) && in.OpenedAt.Before(from) {
			w.Previous.Opened++
		}
		if !in.ResolvedAt.IsZero() && !in.ResolvedAt.Before(from.Add(-now.Sub(from))) && in.ResolvedAt.Before(from) {
			w.Previous.Resolved++
		}
	}

	open, err := r.Queue(ctx, model.QueueQuery{Limit: 500})
	if err != nil {
		return w, err
	}
	flows := map[string]*serviceFlow{}
	flow := func(svc string) *serviceFlow {
		if flows[svc] == nil {
			flows[svc] = &serviceFlow{Service: svc}
		}
		return flows[svc]
	}
	for _, in := range prev {
		if !in.OpenedAt.Before(from) {
			flow(in.Service).Opened++
		}
		if !in.ResolvedAt.IsZero() && !in.ResolvedAt.Before(from) {
			flow(in.Service).Resolved++
		}
	}
	for _, in := range open {
		flow(in.Service).Open++
		line, err := openLineOf(ctx, r, in, now)
		if err != nil {
			return w, err
		}
		w.Open = append(w.Open, line)
		switch {
		case in.SLAFlags&(model.SLAResolveBreached|model.SLARespondBreached) != 0 || (!in.ResolveDue.IsZero() && now.After(in.ResolveDue)):
			line.SLA = "breached"
		case in.AtRisk():
			line.SLA = "at risk"
		}
		if line.SLA != "" {
			w.Breaches = append(w.Breaches, line)
		}
		if in.Major {
			tl, err := r.Timeline(ctx, in.ID)
			if err != nil {
				return w, err
			}
			w.Majors = append(w.Majors, majorLine{openLine: line, Timeline: tl[max(len(tl)-timelineEntries, 0):]})
		}
	}
	for _, f := range flows {
		w.Services = append(w.Services, *f)
	}
	slices.SortFunc(w.Services, func(a, b serviceFlow) int {
		return cmp.Or(cmp.Compare(b.Opened+b.Open, a.Opened+a.Open), cmp.Compare(a.Service, b.Service))
	})

	done, err := r.ChangesBetween(ctx, from, now)
	if err != nil {
		return w, err
	}
	for _, c := range done {
		if c.State == model.ChangeClosed && !c.End.Before(from) {
			w.ChangesDone = append(w.ChangesDone, reportChange{Ref: c.Ref(), Title: c.Title, Services: strings.Join(c.Services, ", "),
				State: string(c.State), Start: at(c.Start), Outcome: c.CloseCode})
		}
	}
	ahead, err := r.ChangesBetween(ctx, now, now.Add(changesAhead))
	if err != nil {
		return w, err
	}
	for _, c := range ahead {
		if !c.Open() || c.Start.Before(now) {
			continue
		}
		line := reportChange{Ref: c.Ref(), Title: c.Title, Services: strings.Join(c.Services, ", "), State: string(c.State), Start: at(c.Start)}
		cs, err := desk.CheckChange(ctx, c)
		if err != nil {
			return w, err
		}
		for _, x := range cs {
			line.Conflicts = append(line.Conflicts, x.Reason)
		}
		w.ChangesNext = append(w.ChangesNext, line)
	}
	causes, err := r.ChangeCauses(ctx, from)
	if err != nil {
		return w, err
	}
	for _, c := range causes {
		w.Caused = append(w.Caused, causedLine{Change: fmt.Sprintf("CHG-%d", c.ChangeID), Incident: fmt.Sprintf("INC-%d", c.IncidentID),
			Priority: c.Priority.String()})
	}
	deploys, err := r.DeploysBetween(ctx, from, now)
	if err != nil {
		return w, err
	}
	for _, d := range deploys {
		if d.Unauthorised {
			w.Unauthorised = append(w.Unauthorised, d)
		}
	}

	// The plan's licences, with the live expiry of the endpoints checked,
	// and the other checked certificates: what the expiry sweep warns about.
	certs, err := r.Certificates(ctx)
	if err != nil {
		return w, err
	}
	for _, e := range model.Expiries(model.Watched(p.LicenceList(), certs, p.OwnerTeam), now) {
		if e.Left < licenceHorizon {
			w.Licences = append(w.Licences, licenceLine{Name: e.Name, Kind: e.Kind, Owner: e.Owner,
				Expires: e.Expires.In(loc).Format("Mon 02 Jan 2006"), Days: int(e.Left.Hours() / 24)})
		}
	}
	slices.SortFunc(w.Licences, func(a, b licenceLine) int { return cmp.Compare(a.Days, b.Days) })

	alerts, err := r.Feed(ctx, model.FeedQuery{Limit: alertScan})
	if err != nil {
		return w, err
	}
	var noisy []model.Alert
	for _, a := range alerts {
		if !a.LastSeen.Before(from) {
			noisy = append(noisy, a)
		}
		if a.Flapping {
			w.Flapping = append(w.Flapping, alertLineOf(a))
		}
	}
	slices.SortStableFunc(noisy, func(a, b model.Alert) int { return cmp.Compare(b.Deliveries, a.Deliveries) })
	for _, a := range noisy[:min(len(noisy), noisiestShown)] {
		w.Noisiest = append(w.Noisiest, alertLineOf(a))
	}
	if w.Silences, err = r.Silences(ctx, now); err != nil {
		return w, err
	}

	problems, err := r.Problems(ctx, model.ProblemQuery{})
	if err != nil {
		return w, err
	}
	for _, pr := range problems {
		actions, err := r.ProblemActions(ctx, pr.ID)
		if err != nil {
			return w, err
		}
		for _, a := range actions {
			if a.Overdue(now) {
				w.LateActions = append(w.LateActions, lateActionLine{Problem: pr.Ref(), Text: a.Text, Owner: a.Owner,
					Due: a.Due.In(loc).Format("Mon 02 Jan")})
			}
		}
	}
	if w.JobRuns, w.RPOBreaches, err = readJobs(ctx, r, p, from, now, at); err != nil {
		return w, err
	}
	if w.Knowledge, err = readKnowledge(ctx, r, from, now); err != nil {
		return w, err
	}
	return w, nil
}

// openLineOf is an open record with its owner and latest note.
func openLineOf(ctx context.Context, r model.Reader, in model.Incident, now time.Time) (openLine, error) {
	owner := in.Assignee
	if owner == "" {
		owner = "team " + in.Team
	}
	line := openLine{Ref: in.Ref(), Priority: in.Priority.String(), Title: in.Title, Service: in.Service, Owner: owner,
		Age: now.Sub(in.OpenedAt).Round(time.Minute), State: in.State.Label()}
	tl, err := r.Timeline(ctx, in.ID)
	if err != nil {
		return line, err
	}
	for i := len(tl) - 1; i >= 0; i-- {
		if tl[i].Kind == "note" {
			line.Next = strings.Join(strings.Fields(tl[i].Text), " ")
			break
		}
	}
	return line, nil
}

func alertLineOf(a model.Alert) alertLine {
	return alertLine{Ref: a.Ref(), Name: a.Name, Service: a.Service, Deliveries: a.Deliveries, State: string(a.State)}
}

// writeWarRoom writes the war-room sections as Markdown.
func writeWarRoom(b *strings.Builder, w warRoom, m model.Metrics) {
	fmt.Fprintf(b, "\n## Against the period before\n\n| | this period | the one before |\n|---|--:|--:|\n| opened | %d | %d |\n| resolved | %d | %d |\n",
		m.Opened, w.Previous.Opened, m.Resolved, w.Previous.Resolved)

	section := func(title, empty string, n int) bool {
		fmt.Fprintf(b, "\n## %s\n\n", title)
		if n == 0 {
			b.WriteString(empty + "\n")
		}
		return n > 0
	}
	if section("Open incidents", "Nothing is open.", len(w.Open)) {
		b.WriteString("| ref | priority | state | age | service | owner | title | next step (latest note) |\n|---|---|---|--:|---|---|---|---|\n")
		for _, o := range w.Open {
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", o.Ref, o.Priority, o.State, spell(o.Age), mdCell(o.Service),
				mdCell(o.Owner), mdCell(o.Title), mdCell(cut(o.Next, 120)))
		}
	}
	if section("Breached and at risk", "No open incident has breached or is at risk.", len(w.Breaches)) {
		for _, o := range w.Breaches {
			fmt.Fprintf(b, "- **%s** %s %s (%s, %s): %s\n", o.Ref, o.SLA, o.Priority, mdCell(o.Service), mdCell(o.Owner), mdCell(o.Title))
		}
	}
	if section("Major incidents", "No major incident is open.", len(w.Majors)) {
		for _, mj := range w.Majors {
			fmt.Fprintf(b, "### %s %s: %s\n\n", mj.Ref, mj.Priority, mdCell(mj.Title))
			for _, e := range mj.Timeline {
				fmt.Fprintf(b, "- %s %s (%s): %s\n", e.At.Format("Mon 15:04"), mdCell(e.Actor), e.Kind, mdCell(cut(e.Text, 160)))
			}
			b.WriteString("\n")
		}
	}
	if section("Per service", "Nothing opened, resolved or open.", len(w.Services)) {
		b.WriteString("| service | opened | resolved | open now |\n|---|--:|--:|--:|\n")
		for _, s := range w.Services {
			fmt.Fprintf(b, "| %s | %d | %d | %d |\n", mdCell(s.Service), s.Opened, s.Resolved, s.Open)
		}
	}
	if section("Changes done", "No change closed in the period.", len(w.ChangesDone)) {
		for _, c := range w.ChangesDone {
			fmt.Fprintf(b, "- %s %s (%s, %s): %s\n", c.Ref, c.Outcome, mdCell(c.Services), c.Start, mdCell(c.Title))
		}
	}
	if section("Changes in the next 72 hours", "No change is planned in the next 72 hours.", len(w.ChangesNext)) {
		for _, c := range w.ChangesNext {
			fmt.Fprintf(b, "- %s %s %s (%s): %s\n", c.Start, c.Ref, c.State, mdCell(c.Services), mdCell(c.Title))
			for _, x := range c.Conflicts {
				fmt.Fprintf(b, "  - conflict: %s\n", mdCell(x))
			}
		}
	}
	if section("Incidents caused by changes", "No incident was linked as caused by a change.", len(w.Caused)) {
		for _, c := range w.Caused {
			fmt.Fprintf(b, "- %s (%s) caused by %s\n", c.Incident, c.Priority, c.Change)
		}
	}
	if section("Unauthorised deploys", "Every deploy reported was covered by an authorised change.", len(w.Unauthorised)) {
		for _, d := range w.Unauthorised {
			fmt.Fprintf(b, "- %s %s: %s (%s)\n", d.Ref(), d.Start.Format("Mon 15:04"), mdCell(d.Describe()), mdCell(d.Note))
		}
	}
	if section("Licences and certificates expiring within 30 days", "None.", len(w.Licences)) {
		for _, l := range w.Licences {
			left := "in " + model.Plural(l.Days, "day", "days")
			if l.Days < 0 {
				left = "**expired " + model.Plural(-l.Days, "day", "days") + " ago**"
			}
			fmt.Fprintf(b, "- %s (%s, owner %s): expires %s, %s\n", mdCell(l.Name), l.Kind, l.Owner, l.Expires, left)
		}
	}
	if section("Jobs and backups that failed, were missed or ran late", "Every scheduled run in the period was on time and succeeded.", len(w.JobRuns)) {
		b.WriteString("| job | kind | service | owner | failed | missed | late | newest | last failure |\n|---|---|---|---|--:|--:|--:|---|---|\n")
		for _, j := range w.JobRuns {
			fmt.Fprintf(b, "| %s | %s | %s | %s | %d | %d | %d | %s | %s |\n", mdCell(j.Job), j.Kind, j.Service, j.Owner,
				j.Failed, j.Missed, j.Late, j.Last, mdCell(j.Message))
		}
	}
	if section("Backups past their RPO", "Every backup with an RPO has a good run within it.", len(w.RPOBreaches)) {
		for _, l := range w.RPOBreaches {
			fmt.Fprintf(b, "- %s: last good backup %s; RPO %s, over by %s\n", mdCell(l.Job), l.LastOK, l.RPO, l.Over)
		}
	}
	if section("Noisiest alerts", "No alert was reported in the period.", len(w.Noisiest)) {
		for _, a := range w.Noisiest {
			fmt.Fprintf(b, "- %s %s on %s: %d deliveries, %s\n", a.Ref, mdCell(a.Name), mdCell(a.Service), a.Deliveries, a.State)
		}
	}
	if section("Flapping alerts", "No alert is flapping.", len(w.Flapping)) {
		for _, a := range w.Flapping {
			fmt.Fprintf(b, "- %s %s on %s\n", a.Ref, mdCell(a.Name), mdCell(a.Service))
		}
	}
	if section("Active silences", "No silence is in force.", len(w.Silences)) {
		for _, s := range w.Silences {
			ms := make([]string, len(s.Matchers))
			for i, m := range s.Matchers {
				ms[i] = m.String()
			}
			fmt.Fprintf(b, "- SIL-%d `%s` by %s until %s, muting %d: %s\n", s.ID, strings.Join(ms, " "), s.Author,
				s.EndsAt.Format("Mon 02 Jan 15:04"), s.Matching, mdCell(s.Comment))
		}
	}
	k := w.Knowledge
	fmt.Fprintf(b, "\n## Knowledge\n\n| measure | value |\n|---|---|\n| article versions saved | %d |\n| published | %d |\n| reads recorded | %d |\n| required reading done | %s (%d of %d) |\n",
		k.Saved, k.Published, k.Reads, k.Reading.Percent(), k.Reading.N, k.Reading.Of)
	if len(k.Behind) > 0 {
		fmt.Fprintf(b, "| behind on required reading | %s |\n", mdCell(strings.Join(k.Behind, ", ")))
	}
	if len(k.Used) == 0 {
		b.WriteString("\nNo article was named on an incident in the period.\n")
	} else {
		b.WriteString("\n| article | used on incidents |\n|---|--:|\n")
		for _, u := range k.Used {
			fmt.Fprintf(b, "| KB-%d %s | %d |\n", u.Article, mdCell(u.Title), u.Uses)
		}
	}
	if section("Overdue RCA actions", "No RCA action is overdue.", len(w.LateActions)) {
		for _, a := range w.LateActions {
			fmt.Fprintf(b, "- %s: %s (owner %s, due %s)\n", a.Problem, mdCell(a.Text), mdCell(a.Owner), a.Due)
		}
	}
}

// cut shortens s to n characters, marking the cut.
func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
