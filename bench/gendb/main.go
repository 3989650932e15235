// Command gendb fills a new hypercare database with a realistic load for the
// query benchmarks: by default 1M alerts (about 2% firing) and 100k incidents
// (a few hundred open), plus changes, articles and services. Everything goes
// through store's write transactions, the same path drops take, in large
// batches.
//
//	go run ./bench/gendb -db /tmp/bench.db
//	HYPERCARE_BENCH_DB=/tmp/bench.db go test -run '^$' -bench . ./store/
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.path, "db", "", "database file to create (must not exist)")
	flag.IntVar(&cfg.alerts, "alerts", 1_000_000, "distinct alerts")
	flag.IntVar(&cfg.incidents, "incidents", 100_000, "incidents and requests")
	flag.IntVar(&cfg.changes, "changes", 5_000, "changes")
	flag.IntVar(&cfg.articles, "articles", 2_000, "knowledge base articles")
	flag.IntVar(&cfg.batch, "batch", 20_000, "records per transaction")
	flag.Uint64Var(&cfg.seed, "seed", 1, "random seed; the same seed gives the same data")
	flag.Parse()
	if cfg.path == "" {
		fmt.Fprintln(os.Stderr, "gendb: -db FILE is required")
		flag.Usage()
		os.Exit(2)
	}
	if _, err := os.Stat(cfg.path); err == nil {
		fmt.Fprintf(os.Stderr, "gendb: %s exists; remove it or pick another -db\n", cfg.path)
		os.Exit(2)
	}
	if err := run(context.Background(), cfg); err != nil {
		fmt.Fprintln(os.Stderr, "gendb:", err)
		os.Exit(1)
	}
}

type config struct {
	path                                 string
	alerts, incidents, changes, articles int
	batch                                int
	seed                                 uint64
}

// The data covers a 90-day hypercare that ends now.
const span = 90 * 24 * time.Hour

type gen struct {
	cfg      config
	rng      *rand.Rand
	now      time.Time
	services []model.Service
	svcPick  *rand.Zipf // a few services raise most alerts
}

func run(ctx context.Context, cfg config) error {
	db, err := store.Open(ctx, cfg.path, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()

	rng := rand.New(rand.NewPCG(cfg.seed, cfg.seed^0x9e3779b97f4a7c15))
	g := &gen{cfg: cfg, rng: rng, now: time.Now().UTC().Truncate(time.Millisecond)}
	for i := range 40 {
		g.services = append(g.services, model.Service{ID: fmt.Sprintf("svc-%02d", i), Name: fmt.Sprintf("Service %d", i),
			Tier: 1 + i/5%3, Owner: teams[i%len(teams)], Environment: "prod"})
	}
	g.svcPick = rand.NewZipf(rng, 1.2, 1, uint64(len(g.services)-1))

	steps := []struct {
		name  string
		count int
		write func(model.Tx, int) error
	}{
		{"services", 1, func(tx model.Tx, _ int) error { return tx.ReplaceServices(g.services) }},
		{"alerts", cfg.alerts, g.alert},
		{"incidents", cfg.incidents, g.incident},
		{"changes", cfg.changes, g.change},
		{"articles", cfg.articles, g.article},
	}
	for _, st := range steps {
		start := time.Now()
		for from := 0; from < st.count; from += cfg.batch {
			to := min(from+cfg.batch, st.count)
			err := db.Write(ctx, func(tx model.Tx) error {
				for i := from; i < to; i++ {
					if err := st.write(tx, i); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("%s: %w", st.name, err)
			}
		}
		elapsed := time.Since(start)
		fmt.Printf("%-10s %9d in %8s (%.0f/s)\n", st.name, st.count, elapsed.Round(time.Millisecond),
			float64(st.count)/elapsed.Seconds())
	}
	c, err := db.Counts(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("counts: %+v\n", c)
	return db.Close()
}

var (
	teams      = []string{"platform", "payments", "core", "data", "web", "mobile"}
	operators  = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"}
	alertNames = []string{"HighErrorRate", "HighLatency", "DiskFull", "DiskWillFillIn4h", "PodCrashLooping",
		"NodeNotReady", "CertificateExpiring", "ReplicationLag", "QueueBacklog", "HeartbeatMissed",
		"CPUThrottling", "MemoryPressure", "TargetDown", "SLOBurnRateFast", "SLOBurnRateSlow",
		"BackupFailed", "TooManyConnections", "DeadlockDetected", "5xxSpike", "LoginFailures"}
	words = strings.Fields(`database replica lag disk volume certificate expiry queue consumer backlog checkout
		payment provider timeout retry login session token cache eviction memory pressure restart rollback deploy
		release canary traffic failover backup restore batch job schedule heartbeat network latency dns proxy
		ingress kafka postgres redis search index vacuum migration schema lock deadlock connection pool`)
)

// weighted returns an index into weights, chosen with those weights.
func (g *gen) weighted(weights ...float64) int {
	r := g.rng.Float64()
	for i, w := range weights {
		if r < w {
			return i
		}
		r -= w
	}
	return len(weights) - 1
}

func (g *gen) pick(list []string) string { return list[g.rng.IntN(len(list))] }

// ago is a random moment within d before now.
func (g *gen) ago(d time.Duration) time.Time { return g.after(g.now.Add(-d), d) }

// after is a random moment within d after t.
func (g *gen) after(t time.Time, d time.Duration) time.Time {
	return t.Add(time.Duration(g.rng.Int64N(int64(d)))).Truncate(time.Millisecond)
}

// alert delivers one alert. About 2% are firing now, seen in the last few
// minutes; the rest resolved during the 90 days, in order, as they would
// have arrived (random times would make every insert land on a cold index
// page, which no live feed does). One in ten was delivered firing before it
// resolved, so it counts two deliveries.
func (g *gen) alert(tx model.Tx, i int) error {
	svc := g.services[g.svcPick.Uint64()]
	name := g.pick(alertNames)
	instance := fmt.Sprintf("%s-%d", svc.ID, g.rng.IntN(12))
	a := model.Alert{
		DedupKey: fmt.Sprintf("gen-%08d", i),
		Source:   []string{"alertmanager", "grafana", "pagerduty", "opsgenie"}[g.weighted(0.7, 0.15, 0.1, 0.05)],
		Name:     name,
		Severity: []model.Severity{model.SevCritical, model.SevWarning, model.SevInfo}[g.weighted(0.1, 0.5, 0.4)],
		Service:  svc.ID,
		Summary:  fmt.Sprintf("%s on %s: %d over threshold", name, instance, g.rng.IntN(1000)),
		Labels: map[string]string{"alertname": name, "service": svc.ID, "instance": instance,
			"env": "prod", "team": svc.Owner, "cluster": fmt.Sprintf("eu-%d", g.rng.IntN(3))},
		Annotations: map[string]string{"runbook_url": "https://kb.example/" + strings.ToLower(name)},
	}
	if g.rng.Float64() < 0.02 {
		a.State = model.AlertFiring
		a.LastSeen = g.ago(5 * time.Minute)
		a.StartsAt = g.after(a.LastSeen.Add(-6*time.Hour), 6*time.Hour)
		_, err := tx.UpsertAlert(&a, time.Time{})
		return err
	}
	end := g.after(g.now.Add(-span+time.Duration(i)*(span/time.Duration(g.cfg.alerts))), time.Minute)
	a.StartsAt = g.after(end.Add(-4*time.Hour), 4*time.Hour)
	if g.rng.IntN(10) == 0 {
		a.State, a.LastSeen = model.AlertFiring, a.StartsAt
		if _, err := tx.UpsertAlert(&a, time.Time{}); err != nil {
			return err
		}
	}
	a.State, a.LastSeen, a.EndsAt = model.AlertResolved, end, end
	_, err := tx.UpsertAlert(&a, time.Time{})
	return err
}

var slaTarget = map[model.Priority]time.Duration{1: 4 * time.Hour, 2: 8 * time.Hour, 3: 24 * time.Hour, 4: 72 * time.Hour}

// incident opens one incident or request. About 0.3% are still open (opened
// in the last week), 1% resolved and awaiting closure, 3% cancelled, and the
// rest closed.
func (g *gen) incident(tx model.Tx, i int) error {
	svc := g.services[g.svcPick.Uint64()]
	impact := model.Level(1 + g.weighted(0.1, 0.4, 0.5))
	urgency := model.Level(1 + g.weighted(0.15, 0.45, 0.4))
	prio, err := model.PriorityFor(impact, urgency)
	if err != nil {
		return err
	}
	in := model.Incident{
		Kind:     []model.Kind{model.KindIncident, model.KindRequest}[g.weighted(0.85, 0.15)],
		Title:    fmt.Sprintf("%s %s on %s", g.pick(words), g.pick(words), svc.Name),
		Service:  svc.ID,
		Category: model.Categories[g.rng.IntN(len(model.Categories))],
		Impact:   impact, Urgency: urgency, Priority: prio,
		Major:    model.IsMajor(prio, svc.Tier, false),
		Team:     svc.Owner,
		OpenedAt: g.ago(span),
	}
	in.Description = "Reported by monitoring. " + in.Title
	switch r := g.rng.Float64(); {
	case r < 0.003:
		in.OpenedAt, in.State = g.ago(7*24*time.Hour), model.StateNew
		if g.rng.IntN(3) > 0 {
			in.State = []model.IncidentState{model.StateInProgress, model.StateOnHold}[g.rng.IntN(2)]
			in.Assignee, in.AckAt = g.pick(operators), g.after(in.OpenedAt, time.Hour)
		}
	case r < 0.013:
		g.finish(&in, model.StateResolved)
	case r < 0.043:
		in.State = model.StateCancelled
	default:
		g.finish(&in, model.StateClosed)
	}
	if d, ok := slaTarget[prio]; ok {
		in.ResolveDue = in.OpenedAt.Add(d)
	}
	in.UpdatedAt = in.OpenedAt
	for _, t := range []time.Time{in.AckAt, in.ResolvedAt} {
		if t.After(in.UpdatedAt) {
			in.UpdatedAt = t
		}
	}
	if err := tx.InsertIncident(&in); err != nil {
		return err
	}
	return tx.AddTimeline(&model.TimelineEntry{IncidentID: in.ID, At: in.OpenedAt, Actor: "hypercare", Kind: "created",
		Text: fmt.Sprintf("opened as %s %s", prio, in.Kind)})
}

func (g *gen) finish(in *model.Incident, state model.IncidentState) {
	in.State, in.Assignee = state, g.pick(operators)
	in.AckAt = g.after(in.OpenedAt, time.Hour)
	in.ResolvedAt = g.after(in.AckAt, 48*time.Hour)
	in.Resolution = model.ResolutionCodes[g.rng.IntN(len(model.ResolutionCodes))]
	if g.rng.IntN(20) == 0 {
		in.Reopens = 1
	}
}

// change schedules one change between 90 days ago and 30 days ahead.
func (g *gen) change(tx model.Tx, _ int) error {
	svc := g.services[g.rng.IntN(len(g.services))]
	start := g.after(g.now.Add(-span), span+30*24*time.Hour)
	c := model.Change{
		Title:       fmt.Sprintf("Upgrade %s %s", svc.Name, g.pick(words)),
		Services:    []string{svc.ID},
		Type:        []model.ChangeType{model.ChangeStandard, model.ChangeNormal, model.ChangeEmergency}[g.weighted(0.5, 0.45, 0.05)],
		State:       model.ChangeScheduled,
		Impact:      model.Level(1 + g.weighted(0.1, 0.4, 0.5)),
		Probability: model.Medium,
		Risk:        model.Level(1 + g.weighted(0.1, 0.4, 0.5)),
		Round:       1,
		Implementer: g.pick(operators),
		Start:       start,
		End:         start.Add(time.Duration(30+g.rng.IntN(8*60)) * time.Minute),
	}
	if c.End.Before(g.now) {
		c.State, c.CloseCode = model.ChangeClosed, "successful"
	}
	return tx.InsertChange(&c)
}

// article writes one knowledge base article of about 200 words.
func (g *gen) article(tx model.Tx, i int) error {
	body := make([]string, 200)
	for j := range body {
		body[j] = g.pick(words)
	}
	a := model.Article{
		Slug:      fmt.Sprintf("kb-%05d", i),
		Title:     fmt.Sprintf("%s %s %s", g.pick(words), g.pick(words), g.pick(words)),
		Kind:      model.ArticleKinds[g.rng.IntN(len(model.ArticleKinds))],
		State:     []model.ArticleState{model.ArticlePublished, model.ArticleReview, model.ArticleDraft, model.ArticleRetired}[g.weighted(0.7, 0.1, 0.1, 0.1)],
		Service:   g.services[g.rng.IntN(len(g.services))].ID,
		Tags:      []string{g.pick(words), g.pick(words)},
		Body:      strings.Join(body, " "),
		UpdatedAt: g.ago(span),
		Author:    g.pick(operators),
	}
	return tx.UpsertArticle(&a)
}
