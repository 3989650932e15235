package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/drops"
)

var fixtures = filepath.Join("..", "..", "..", "shared", "fixtures", "drops")

func needFixtures(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(fixtures); err != nil {
		t.Skip("shared fixtures not present")
	}
}

func TestIngestCommand(t *testing.T) {
	needFixtures(t)
	db, plan := seeded(t)
	good := filepath.Join(fixtures, "am-firing.json")
	code, out, errOut := cli(t, "--db", db, "--plan", plan, "ingest", good, filepath.Join(fixtures, "generic.ndjson"))
	if code != exitOK || !strings.Contains(out, "am-firing.json: ok, alertmanager, 2 alert(s): 2 new") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = cli(t, "--db", db, "--plan", plan, "ingest", good)
	if code != exitOK || !strings.Contains(out, "already applied") {
		t.Fatalf("re-delivery: exit %d\n%s", code, out)
	}
	code, out, errOut = cli(t, "--db", db, "--plan", plan, "ingest", filepath.Join(fixtures, "bad-fields.json"), filepath.Join(fixtures, "grafana.json"))
	if code != exitRejected || !strings.Contains(out, "bad-fields.json: rejected:") || !strings.Contains(out, "grafana.json: ok") ||
		!strings.Contains(errOut, "1 of 2 file(s) rejected") {
		t.Fatalf("bad file: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = cli(t, "--db", db, "list", "alerts", "--json")
	if code != exitOK || !strings.Contains(out, "HighErrorRate") || !strings.Contains(out, "LoginFailures") {
		t.Fatalf("alerts not stored: %s", out)
	}
}

func TestHTTPReceiverEndToEnd(t *testing.T) {
	needFixtures(t)
	ctx, a := openSeeded(t)
	dir := t.TempDir()
	status, err := watchDrops(ctx, a, dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(dropHandler(dir, drops.Limits{MaxBytes: 4096}, time.Now))
	defer srv.Close()

	body, _ := os.ReadFile(filepath.Join(fixtures, "grafana.json"))
	resp, err := http.Post(srv.URL+"/grafana", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("good payload: %s", resp.Status)
	}
	for _, bad := range []struct {
		body string
		code int
	}{{`{"hello":"world"}`, http.StatusBadRequest}, {strings.Repeat("x", 5000), http.StatusRequestEntityTooLarge}} {
		resp, err := http.Post(srv.URL+"/", "application/json", strings.NewReader(bad.body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != bad.code {
			t.Errorf("payload %.20q: %s, want %d", bad.body, resp.Status, bad.code)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		feed, err := a.db.Feed(ctx, model.FeedQuery{Filter: "LoginFailures", Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		if len(feed) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("posted alert never reached the store; drops status %+v", status())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The count moves once the file is in processed/, just after the commit.
	for st := status(); !st.Watching || st.Processed != 1 || st.Rejected != 0; st = status() {
		if time.Now().After(deadline) {
			t.Fatalf("drop status = %+v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
		t.Fatalf("temporary files left behind: %v", left)
	}
}
