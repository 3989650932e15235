//go:build unix

package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/examples"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
	"github.com/hypercare-ops/hypercare/store/pg/pgtest"
)

// Two sites: two hypercare serve processes on one PostgreSQL database, each
// watching a drop folder of its own. The same drops reaching both folders
// are applied once. The time-driven work runs in one of them; when that
// one dies the other takes over, and an incident nobody acknowledges
// escalates through its team's levels exactly once each, its notification
// posted once.
func TestTwoSitesOnePostgres(t *testing.T) {
	ctx := t.Context()
	url := pgtest.URL(t)
	dir := t.TempDir()
	posts := &postLog{}
	hook := httptest.NewServer(posts)
	defer hook.Close()
	planPath := filepath.Join(dir, "plan.toml")
	writeSitesPlan(t, planPath, hook.URL)

	folders := []string{filepath.Join(dir, "site-a", "drops"), filepath.Join(dir, "site-b", "drops")}
	var sites []*process
	for _, f := range folders {
		sites = append(sites, startProcess(t, "--db", url, "--plan", planPath, "--drops", f, "serve", "--ssh", "off"))
	}
	for _, p := range sites {
		p.waitOutput(t, "for alert drops")
	}
	db, err := openExisting(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// The same 40 drops of 25 alerts reach both folders at once.
	const files, perFile = 40, 25
	staging := t.TempDir()
	for i := range files {
		var ndjson []byte
		for j := range perFile {
			ndjson = fmt.Appendf(ndjson, `{"key":"site-%d-%d","status":"firing","summary":"drop %d alert %d","labels":{"alertname":"SiteProbe","service":"orders"}}`+"\n", i, j, i, j)
		}
		for s := range folders {
			if err := os.WriteFile(filepath.Join(staging, fmt.Sprintf("%d-%d.ndjson", s, i)), ndjson, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	var wg sync.WaitGroup
	for s, f := range folders {
		wg.Go(func() {
			for i := range files {
				if err := os.Rename(filepath.Join(staging, fmt.Sprintf("%d-%d.ndjson", s, i)), filepath.Join(f, fmt.Sprintf("burst-%d.ndjson", i))); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	for _, f := range folders {
		waitUntil(t, "every drop in "+f+" to be processed", func() bool { return countFiles(f, "processed") == files })
		if n := countFiles(f, "rejected"); n != 0 {
			t.Errorf("%d drops rejected in %s", n, f)
		}
	}
	alerts, err := db.Feed(ctx, model.FeedQuery{Filter: "SiteProbe", Members: true, Limit: 2 * files * perFile})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != files*perFile {
		t.Errorf("%d alerts stored; want %d, each drop applied once", len(alerts), files*perFile)
	}
	for _, a := range alerts {
		if a.Deliveries != 1 {
			t.Fatalf("alert %s delivered %d times; want once", a.DedupKey, a.Deliveries)
		}
	}

	// A P1 nobody acknowledges, on a platform service: L1, then L2, L3 and
	// vendor, three seconds apart.
	wake, unsubscribe := db.Subscribe()
	defer unsubscribe()
	code, out, errOut := cli(t, "--db", url, "--plan", planPath, "--as", operatorName, "incident", "new", "--service", "orders-db",
		"--title", "Orders database down", "--impact", "high", "--urgency", "high", "--json")
	if code != exitOK {
		t.Fatalf("incident new: exit %d: %s", code, errOut)
	}
	in := incidentJSON(t, out)
	escalations := func(n int) []string {
		t.Helper()
		for {
			entries, err := db.Timeline(ctx, in.ID)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range entries {
				if e.Kind == "escalate" {
					got = append(got, e.Text)
				}
			}
			if len(got) >= n {
				return got
			}
			select { // a commit in either process wakes this one
			case <-wake:
			case <-time.After(screenWait):
				t.Fatalf("%s has %d escalations after %s; want %d", in.Ref(), len(got), screenWait, n)
			}
		}
	}
	escalations(1)
	leader, err := db.(postgresDB).Leader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var survivor *process
	for i, p := range sites {
		if strings.HasPrefix(leader, "hypercare "+p.pid()+"@") {
			p.kill() // the leading site is lost between two escalations
			survivor = sites[1-i]
		}
	}
	if survivor == nil {
		t.Fatalf("the lead is held by %q, neither site (%s, %s)", leader, sites[0].pid(), sites[1].pid())
	}
	got := escalations(3)
	want := []string{"escalated to L2", "escalated to L3", "escalated to vendor"}
	if len(got) != len(want) {
		t.Fatalf("escalations: %q; want each level once: %q", got, want)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("escalation %d: %q; want %q", i+1, got[i], want[i])
		}
	}
	if leader, err := db.(postgresDB).Leader(ctx); err != nil || !strings.HasPrefix(leader, "hypercare "+survivor.pid()+"@") {
		t.Errorf("after the leader died the lead is held by %q, %v; want the other site, %s", leader, err, survivor.pid())
	}
	// The P1's notification went out once, whichever site sent it.
	waitUntil(t, "the P1's notification", func() bool { return posts.count(`"event": "p1_opened"`) > 0 })
	if dup := posts.repeated(); dup != "" {
		t.Errorf("a notification was posted more than once: %s", dup)
	}
}

// writeSitesPlan writes the example plan with escalation levels three
// seconds long and one notification rule, a webhook to hook (the others
// would wait on mail servers and chat URLs no test has).
func writeSitesPlan(t *testing.T, path, hook string) {
	t.Helper()
	p, err := plan.Parse("plan.toml", examples.Plan)
	if err != nil {
		t.Fatal(err)
	}
	for i := range p.Teams {
		for j := range p.Teams[i].Escalation {
			if p.Teams[i].Escalation[j].Timeout != "" {
				p.Teams[i].Escalation[j].Timeout = "3s"
			}
		}
	}
	p.Notify = []plan.NotifyRule{{Name: "itsm bridge", Events: []string{"p1_opened"}, Channel: "webhook", Targets: []string{hook + "/hooks/hypercare"}}}
	var buf bytes.Buffer
	if err := p.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// postLog is a webhook receiver that keeps what was posted, by idempotency key.
type postLog struct {
	mu    sync.Mutex
	posts []string // key, a space, the body
}

func (l *postLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	l.mu.Lock()
	l.posts = append(l.posts, r.Header.Get("Idempotency-Key")+" "+string(body))
	l.mu.Unlock()
}

func (l *postLog) count(substr string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, p := range l.posts {
		if strings.Contains(p, substr) {
			n++
		}
	}
	return n
}

// repeated returns a post whose idempotency key came before, or "".
func (l *postLog) repeated() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	seen := map[string]bool{}
	for _, p := range l.posts {
		key, _, _ := strings.Cut(p, " ")
		if seen[key] {
			return p
		}
		seen[key] = true
	}
	return ""
}

// countFiles counts the files in dir/sub.
func countFiles(dir, sub string) int {
	entries, _ := os.ReadDir(filepath.Join(dir, sub))
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			n++
		}
	}
	return n
}
