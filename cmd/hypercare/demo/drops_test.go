package demo

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
	"github.com/hypercare-ops/hypercare/store/drops"
)

func demoPlan(t *testing.T) *plan.Plan {
	t.Helper()
	p, err := Plan(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// dropFile is one file WriteDrops left in the folder.
type dropFile struct {
	name, sender string
	seq          int
	data         []byte
}

var dropNameRE = regexp.MustCompile(`^\d{8}T\d{6}\.\d{3}-(\d{4,})-([a-z]+)\.(json|ndjson)$`)

// TestWriteDrops runs the writer for real into a folder and checks what it
// left there against a replay of the same stream.
func TestWriteDrops(t *testing.T) {
	p := demoPlan(t)
	dir := t.TempDir()
	const ticks = 150 // past the first broken file, flap and storm
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- WriteDrops(ctx, dir, p, time.Millisecond, rand.New(rand.NewPCG(1, 2))) }()
	for deadline := time.Now().Add(8 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if entries, _ := os.ReadDir(dir); len(entries) >= ticks {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("WriteDrops wrote too slowly")
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []dropFile
	for _, e := range entries {
		m := dropNameRE.FindStringSubmatch(e.Name())
		if m == nil {
			t.Fatalf("%s: not a final drop name (temporary file left behind?)", e.Name())
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		seq, _ := strconv.Atoi(m[1])
		files = append(files, dropFile{name: e.Name(), sender: m[2], seq: seq, data: data})
	}
	// ReadDir sorts by name: the names must sort in the order they were written.
	for i, f := range files {
		if f.seq != i+1 {
			t.Fatalf("file %d by name is %s; want sequence number %d", i+1, f.name, i+1)
		}
	}

	// The stream depends only on rnd: replaying it says which files were
	// meant to be broken.
	replay, err := newStream(p, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	var c streamCheck
	for _, f := range files {
		d := replay.next(time.Now())
		if d.sender != f.sender {
			t.Fatalf("%s: sender %s, but the replay has %s (%s)", f.name, f.sender, d.sender, d.what)
		}
		c.add(t, f.seq, f.name, d, f.data)
	}
	c.check(t, len(files))

	if err := WriteDrops(t.Context(), dir, p, 0, rand.New(rand.NewPCG(1, 2))); err == nil {
		t.Error("a zero interval was accepted")
	}
	if err := WriteDrops(t.Context(), dir, p, time.Second, nil); err == nil {
		t.Error("no random source was accepted")
	}
}

// TestDropStreamOverAnHour plays an hour of the console's 3-second ticks in
// memory: everything keeps happening, nothing piles up.
func TestDropStreamOverAnHour(t *testing.T) {
	p := demoPlan(t)
	s, err := newStream(p, rand.New(rand.NewPCG(7, 7)))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 10, 15, 3, 0, time.UTC)
	var c streamCheck
	const ticks = 1200
	flappers := map[string]bool{}
	for i := 1; i <= ticks; i++ {
		now = now.Add(3 * time.Second)
		d := s.next(now)
		c.add(t, i, dropName(now, d, i), d, d.data)
		if n := len(s.firing); n > 80 {
			t.Fatalf("tick %d: %d alerts firing; the stream must resolve what it fires", i, n)
		}
		if s.flap != nil {
			flappers[s.flap.DedupKey] = true
		}
	}
	c.check(t, ticks)
	// hypercare marks an alert flapping at 4 changes in 30 minutes (600
	// ticks): only the alerts chosen to flap may get there.
	for key, at := range c.changes {
		for i := 3; i < len(at); i++ {
			if at[i]-at[i-3] <= 600 && !flappers[key] {
				t.Errorf("alert %s changed state at ticks %v: it would show as flapping", key, at)
				break
			}
		}
	}
	if c.storms < 3 || c.stormsResolved < 2 || c.flaps < 3 || c.acks == 0 || c.truncated == 0 || c.brokenKinds < 4 {
		t.Errorf("an hour: %d storms (%d resolved), %d flapping alerts, %d acks, %d truncated, %d kinds of broken file",
			c.storms, c.stormsResolved, c.flaps, c.acks, c.truncated, c.brokenKinds)
	}
	if c.broken < ticks/80 || c.broken > ticks/20 {
		t.Errorf("%d broken files in %d ticks; want about one in 40", c.broken, ticks)
	}
	for _, name := range []string{"close", "Close"} {
		if !c.ogClose[name] {
			t.Errorf("no Opsgenie %q", name)
		}
	}
}

func TestDropStreamIsDeterministic(t *testing.T) {
	p := demoPlan(t)
	var out [2][]byte
	for i := range out {
		s, err := newStream(p, rand.New(rand.NewPCG(3, 4)))
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 25, 10, 15, 3, 0, time.UTC)
		for tick := range 400 {
			d := s.next(now.Add(time.Duration(tick) * 3 * time.Second))
			out[i] = append(append(out[i], d.sender...), d.data...)
		}
	}
	if !bytes.Equal(out[0], out[1]) {
		t.Error("two streams from the same seed differ")
	}
}

// streamCheck follows a stream of drops as hypercare would read them.
type streamCheck struct {
	formats        map[string]int
	state          map[string]model.AlertState
	changes        map[string][]int // dedup key → ticks of its state changes
	storms         int
	stormGroups    map[string]bool
	stormsResolved int
	flaps          int
	acks           int
	truncated      int
	broken         int
	brokenKinds    int
	brokenSeen     map[string]bool
	ogClose        map[string]bool
	firstBroken    int
}

func (c *streamCheck) add(t *testing.T, tick int, name string, d drop, data []byte) {
	t.Helper()
	if c.formats == nil {
		c.formats, c.state, c.changes = map[string]int{}, map[string]model.AlertState{}, map[string][]int{}
		c.stormGroups, c.brokenSeen, c.ogClose = map[string]bool{}, map[string]bool{}, map[string]bool{}
	}
	b, err := drops.Parse(name, data, drops.DefaultLimits())
	if d.broken || d.refused > 0 {
		switch {
		case d.broken && err == nil:
			t.Errorf("%s (%s) was accepted; it is meant for rejected/", name, d.what)
		case d.refused > 0 && (err != nil || len(b.Refused) != d.refused || len(b.Events) == 0):
			t.Errorf("%s (%s): %d applied, %d refused, %v; want %d refused and the rest applied", name, d.what, len(b.Events), len(b.Refused), err, d.refused)
		}
		if c.broken++; c.firstBroken == 0 {
			c.firstBroken = tick
		}
		if !c.brokenSeen[d.what] {
			c.brokenSeen[d.what] = true
			c.brokenKinds++
		}
		return
	}
	if err != nil {
		t.Fatalf("%s (%s): %v\n%s", name, d.what, err, data)
	}
	if b.Format != d.sender {
		t.Errorf("%s: read as %s", name, b.Format)
	}
	c.formats[b.Format]++
	if b.Truncated > 0 {
		c.truncated++
	}
	if b.Format == drops.FormatOpsgenie && len(b.Events) == 1 && b.Events[0].Alert.State == model.AlertResolved {
		c.ogClose[map[bool]string{true: "Close", false: "close"}[bytes.Contains(data, []byte(`"Close"`))]] = true
	}
	firing, resolved := 0, 0
	for _, ev := range b.Events {
		a := ev.Alert
		if ev.Ack {
			c.acks++
			continue
		}
		if a.Service == "" && b.Format != drops.FormatPagerDuty && b.Format != drops.FormatOpsgenie {
			t.Errorf("%s: alert %s has no service, so it would not route", name, a.DedupKey)
		}
		switch a.State {
		case model.AlertFiring:
			firing++
		case model.AlertResolved:
			resolved++
		}
		if before, ok := c.state[a.DedupKey]; ok && before != a.State {
			c.changes[a.DedupKey] = append(c.changes[a.DedupKey], tick)
		}
		c.state[a.DedupKey] = a.State
	}
	if b.Group != "" && firing >= 25 && !c.stormGroups[b.Group] {
		c.storms++
		c.stormGroups[b.Group] = true
		for _, ev := range b.Events[1:] {
			if ev.Alert.Name != b.Events[0].Alert.Name || ev.Alert.Service != b.Events[0].Alert.Service {
				t.Errorf("%s: a storm of %s mixes in %s on %s", name, b.Events[0].Alert.Name, ev.Alert.Name, ev.Alert.Service)
			}
		}
	}
	if b.Group != "" && resolved >= 25 && c.stormGroups[b.Group] {
		c.stormsResolved++
		delete(c.stormGroups, b.Group)
	}
}

func (c *streamCheck) check(t *testing.T, ticks int) {
	t.Helper()
	for _, f := range []string{drops.FormatAlertmanager, drops.FormatGrafana, drops.FormatPagerDuty, drops.FormatOpsgenie, drops.FormatGeneric} {
		if c.formats[f] == 0 {
			t.Errorf("no %s drop in %d ticks: %v", f, ticks, c.formats)
		}
	}
	if c.storms == 0 {
		t.Errorf("no storm (an Alertmanager notification of ≥25 alerts of one group) in %d ticks", ticks)
	}
	if c.broken == 0 || c.firstBroken > 20 {
		t.Errorf("%d broken files, the first at tick %d; want one within the first minute", c.broken, c.firstBroken)
	}
	resolvedAfterFiring := 0
	for _, at := range c.changes {
		resolvedAfterFiring += len(at)
		// Flapping: four changes within 40 ticks (two minutes in the console).
		for i := 3; i < len(at); i++ {
			if at[i]-at[i-3] <= 40 {
				c.flaps++
				break
			}
		}
	}
	if resolvedAfterFiring == 0 {
		t.Error("no alert changed state: nothing resolved what fired")
	}
	if c.flaps == 0 {
		t.Errorf("no alert changed state 4 times within 40 ticks (of %d)", ticks)
	}
}

// TestDropsThroughTheIntake applies twenty minutes of the stream through
// hypercare's own intake: broken files land in rejected/, the storm shows as
// one row, only the flapping alert is marked flapping, and every alert routes.
func TestDropsThroughTheIntake(t *testing.T) {
	p := demoPlan(t)
	db, desk := openDesk(t, p)
	ctx := t.Context()
	if err := desk.SyncServices(ctx, model.System, p.ModelServices()); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 10, 15, 3, 0, time.UTC)
	desk.Now = func() time.Time { return now }
	dir := t.TempDir()
	s, err := newStream(p, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	w := dropWriter{dir: dir}
	in := drops.Intake{Dir: dir, Ingester: desk, Now: desk.Now}
	flappers := map[string]bool{}
	broken, rejected := 0, 0
	for range 400 {
		now = now.Add(3 * time.Second)
		d := s.next(now)
		if s.flap != nil {
			flappers[s.flap.DedupKey] = true
		}
		if err := w.write(d, now); err != nil {
			t.Fatal(err)
		}
		res, err := in.Apply(ctx, dropName(now, d, w.seq))
		if err != nil {
			t.Fatal(err)
		}
		if d.broken {
			broken++
		}
		if len(res.Refused) != d.refused {
			t.Errorf("%s (%s): %d alert(s) refused, want %d", res.File, d.what, len(res.Refused), d.refused)
		}
		if res.Rejected != nil {
			rejected++
			if !d.broken {
				t.Errorf("%s (%s) rejected: %v", res.File, d.what, res.Rejected)
			}
		}
	}
	if broken == 0 || rejected != broken {
		t.Errorf("%d broken files, %d rejected", broken, rejected)
	}
	feed, err := db.Feed(ctx, model.FeedQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	storms, flapping := 0, 0
	sources := map[string]bool{}
	for _, a := range feed {
		sources[a.Source] = true
		if a.StormSize >= 25 {
			storms++
		}
		if a.Flapping {
			flapping++
			if !flappers[a.DedupKey] {
				t.Errorf("%s on %s (%s) is marked flapping", a.Name, a.Service, a.Labels["instance"])
			}
		}
		if _, ok := p.Service(a.Service); !ok {
			t.Errorf("%s from %s: service %q is not in the plan", a.Name, a.Source, a.Service)
		}
	}
	if storms == 0 || flapping == 0 {
		t.Errorf("feed of %d rows: %d storms of ≥25, %d flapping", len(feed), storms, flapping)
	}
	for _, src := range []string{"alertmanager", "grafana", "pagerduty", "opsgenie", "synthetic"} {
		if !sources[src] {
			t.Errorf("no alert from %s in the feed", src)
		}
	}
}

// TestWriteHeartbeats: the live scheduler writes the heartbeats due since
// the seeded week ended as heartbeat drops the intake applies; run again
// over the same time, it sends what the seed would have.
func TestWriteHeartbeats(t *testing.T) {
	p := demoPlan(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	since := time.Now().Add(-12 * time.Minute) // two or three stock feed runs
	done := make(chan error, 1)
	go func() { done <- WriteHeartbeats(ctx, dir, p, since, 10*time.Millisecond) }()
	var files []string
	for deadline := time.Now().Add(5 * time.Second); len(files) == 0 && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		files, _ = filepath.Glob(filepath.Join(dir, "*-heartbeat.json"))
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no heartbeat drop written")
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	b, err := drops.Parse(filepath.Base(files[0]), data, drops.Limits{})
	if err != nil || b.Format != drops.FormatHeartbeat || len(b.Heartbeats) == 0 {
		t.Fatalf("%s: %+v, %v", files[0], b, err)
	}
	want := newScheduler(p).beats(since, time.Now())
	if len(b.Heartbeats) > len(want) || b.Heartbeats[0].Job != want[0].hb.Job || b.Heartbeats[0].Status != want[0].hb.Status {
		t.Errorf("first drop %+v; the scheduler's beats begin %+v", b.Heartbeats, want[0])
	}
}
