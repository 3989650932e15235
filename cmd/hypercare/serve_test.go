package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/examples"
	"github.com/hypercare-ops/hypercare/model"
)

// serve --ssh off without --http is a headless intake: it watches the drop
// folder until stopped.
func TestServeHeadlessWatchesDrops(t *testing.T) {
	dbPath, planPath := seeded(t)
	g := defaults()
	g.db, g.plan, g.drops = dbPath, planPath, filepath.Join(t.TempDir(), "drops")
	ctx, cancel := context.WithCancel(context.Background())
	var out strings.Builder
	done := make(chan error, 1)
	go func() { done <- serve(ctx, g, "off", "", &out) }()

	src := []byte(`{"version":"4","status":"firing","receiver":"hypercare","alerts":[{"status":"firing",
"labels":{"alertname":"HeadlessTest","service":"checkout","severity":"warning"},"annotations":{"summary":"from a headless serve"},
"startsAt":"2026-12-03T10:00:00Z","fingerprint":"headless1"}]}`)
	deadline := time.Now().Add(10 * time.Second)
	for !exists(g.drops) { // serve makes the folder before it watches it
		if time.Now().After(deadline) {
			t.Fatal("serve did not make the drop folder")
		}
		time.Sleep(10 * time.Millisecond)
	}
	tmp := filepath.Join(t.TempDir(), "am.json")
	if err := os.WriteFile(tmp, src, 0o644); err != nil {
		t.Fatal(err)
	}
	// The watcher may start a moment after the folder exists; a drop renamed
	// in before it starts is picked up by its first scan.
	if err := os.Rename(tmp, filepath.Join(g.drops, "am.json")); err != nil {
		t.Fatal(err)
	}
	for !exists(filepath.Join(g.drops, "processed", "am.json")) {
		if time.Now().After(deadline) {
			t.Fatalf("the drop was not applied by a headless serve; it said:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if !strings.Contains(out.String(), "no SSH, no HTTP") {
		t.Errorf("serve said %q; want it to say it only watches the folder", out.String())
	}
	// The alert is stored, where the CLI and a console find it.
	code, list, errOut := cli(t, "--db", g.db, "--plan", g.plan, "list", "alerts", "--filter", "HeadlessTest")
	if code != exitOK || !strings.Contains(list, "HeadlessTest") || !strings.Contains(list, "checkout") {
		t.Fatalf("list alerts after a headless serve: exit %d\n%s%s", code, errOut, list)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// serve delivers the outbox: a P1 opened while nothing ran is posted to the
// plan's webhook once serve starts, with its idempotency key.
func TestServeDeliversNotifications(t *testing.T) {
	posts := make(chan string, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		posts <- r.Header.Get("Idempotency-Key") + " " + string(body)
	}))
	defer srv.Close()
	dir := t.TempDir()
	g := defaults()
	g.db, g.plan, g.drops = filepath.Join(dir, "h.db"), filepath.Join(dir, "plan.toml"), filepath.Join(dir, "drops")
	planText := strings.Replace(string(examples.Plan), "https://itsm.orion-retail.example/hooks/hypercare", srv.URL+"/hooks/hypercare", 1)
	if err := os.WriteFile(g.plan, []byte(planText), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := openApp(ctx, g.db, g.plan)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.desk.CreateIncident(ctx, model.System, model.NewIncident{Title: "Checkout down", Service: "checkout",
		Impact: model.High, Urgency: model.High, Category: "availability"}); err != nil {
		t.Fatal(err)
	}
	a.db.Close()

	var out strings.Builder
	done := make(chan error, 1)
	go func() { done <- serve(ctx, g, "off", "", &out) }()
	select {
	case p := <-posts:
		key, body, _ := strings.Cut(p, " ")
		if key == "" || !strings.Contains(body, `"event": "p1_opened"`) || !strings.Contains(body, `"entity": "INC-1"`) {
			t.Fatalf("posted: %s", p)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("nothing was posted; serve said:\n%s", out.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
}
