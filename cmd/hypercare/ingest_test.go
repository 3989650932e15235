//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

const genericAlert = `{"key":"cli-%d","status":"firing","summary":"cli probe %d","labels":{"alertname":"CliProbe%d","service":"checkout"}}` + "\n"

// cliPromptly runs the CLI and fails the test if it does not return within
// a time no healthy run comes near.
func cliPromptly(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	type result struct {
		code     int
		out, err string
	}
	done := make(chan result, 1)
	go func() {
		code, out, errOut := cli(t, args...)
		done <- result{code, out, errOut}
	}()
	select {
	case r := <-done:
		return r.code, r.out, r.err
	case <-time.After(30 * time.Second):
		t.Fatalf("hypercare %s did not return", strings.Join(args, " "))
		return 0, "", ""
	}
}

// TestIngestRefusesOddFiles: a FIFO is refused at once (opening it would
// block until someone writes), a device is refused unread (/dev/zero never
// ends), a link is not followed; each error names the file and its kind.
func TestIngestRefusesOddFiles(t *testing.T) {
	db, plan := seeded(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "alerts.fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	real := filepath.Join(dir, "real.json")
	if err := os.WriteFile(real, fmt.Appendf(nil, genericAlert, 1, 1, 1), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	for path, kind := range map[string]string{fifo: "named pipe (FIFO)", "/dev/zero": "character device", link: "symbolic link"} {
		code, out, errOut := cliPromptly(t, "--db", db, "--plan", plan, "ingest", path)
		if code != exitRejected || !strings.Contains(out, path+": rejected: "+path+" is a "+kind+", not a regular file") ||
			!strings.Contains(errOut, "1 of 1 file(s) rejected") {
			t.Errorf("ingest %s: exit %d\n%s%s", path, code, out, errOut)
		}
	}
	// The file the link points to, named itself, is fine.
	if code, out, errOut := cliPromptly(t, "--db", db, "--plan", plan, "ingest", real); code != exitOK {
		t.Errorf("ingest %s: exit %d\n%s%s", real, code, out, errOut)
	}
}

// TestIngestPrintsNamesCleaned: a file name carrying terminal escape
// sequences is printed without them, in text and in JSON, applied or not.
func TestIngestPrintsNamesCleaned(t *testing.T) {
	db, plan := seeded(t)
	dir := t.TempDir()
	hostile := "evil\x1b]0;pwned\x07\x1b[2J\x1b[31mred\u202e.json"
	good := filepath.Join(dir, "good-"+hostile)
	bad := filepath.Join(dir, "bad-"+hostile)
	if err := os.WriteFile(good, fmt.Appendf(nil, genericAlert, 1, 1, 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	cleanName := func(path string) string { return model.Clean(path, false) }
	code, out, errOut := cliPromptly(t, "--db", db, "--plan", plan, "ingest", good, bad)
	if code != exitRejected || !strings.Contains(out, cleanName(good)+": ok, generic") || !strings.Contains(out, cleanName(bad)+": rejected: ") {
		t.Errorf("exit %d\n%q\n%s", code, out, errOut)
	}
	_, jsonOut, _ := cliPromptly(t, "--db", db, "--plan", plan, "ingest", "--json", good, bad)
	var results []struct{ File, Rejected string }
	if err := json.Unmarshal([]byte(jsonOut), &results); err != nil || len(results) != 2 {
		t.Fatalf("--json: %v\n%s", err, jsonOut)
	}
	for _, text := range []string{out, errOut, jsonOut, results[0].File, results[1].File, results[1].Rejected} {
		if strings.ContainsAny(text, "\x1b\x07\u202e") || strings.Contains(text, `\u001b`) || strings.Contains(text, "pwned") {
			t.Errorf("printed raw: %q", text)
		}
	}
}

// TestIngestAsOperator: ingest runs as the --as operator: a viewer is
// refused before anything is applied, an operator's drop is audited under
// their name.
func TestIngestAsOperator(t *testing.T) {
	db, plan := seeded(t)
	file := filepath.Join(t.TempDir(), "probe.ndjson")
	if err := os.WriteFile(file, fmt.Appendf(nil, genericAlert, 1, 1, 1), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := cliPromptly(t, "--db", db, "--plan", plan, "--as", "dan.kowalski", "ingest", file)
	if code != exitRejected || !strings.Contains(errOut, "dan.kowalski (viewer) may not ingest alerts") || strings.Contains(out, "ok") {
		t.Errorf("viewer: exit %d\n%s%s", code, out, errOut)
	}
	if _, alerts, _ := cliPromptly(t, "--db", db, "list", "alerts", "--json"); strings.Contains(alerts, "CliProbe1") {
		t.Errorf("a viewer's drop was applied:\n%s", alerts)
	}

	code, out, errOut = cliPromptly(t, "--db", db, "--plan", plan, "--as", "tom.okafor", "ingest", file)
	if code != exitOK || !strings.Contains(out, "ok, generic") {
		t.Fatalf("operator: exit %d\n%s%s", code, out, errOut)
	}
	_, auditOut, _ := cliPromptly(t, "--db", db, "list", "audit", "--json")
	var audit []model.AuditEntry
	if err := json.Unmarshal([]byte(auditOut), &audit); err != nil {
		t.Fatalf("audit: %v\n%s", err, auditOut)
	}
	var by []string
	for _, e := range audit {
		if e.Action == "drop.ingest" {
			by = append(by, e.Actor)
		}
	}
	if len(by) != 1 || by[0] != "tom.okafor" {
		t.Errorf("drop.ingest audited as %v, want tom.okafor once", by)
	}
}

// TestIngestReportsRefusedAlerts: a file applied with some alerts refused
// says which and why, and exits 1 so that a script notices.
func TestIngestReportsRefusedAlerts(t *testing.T) {
	db, plan := seeded(t)
	file := filepath.Join(t.TempDir(), "part.ndjson")
	data := fmt.Sprintf(genericAlert, 1, 1, 1) + `{"key":"cli-2","status":"bogus","summary":"two","labels":{"alertname":"CliProbe2"}}` + "\n"
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := cliPromptly(t, "--db", db, "--plan", plan, "ingest", file)
	if code != exitRejected || !strings.Contains(out, file+": ok, generic, 1 alert(s)") ||
		!strings.Contains(out, "part.ndjson:2:") || !strings.Contains(out, "refused alert CliProbe2: status:") ||
		!strings.Contains(errOut, "1 of 1 file(s) applied with alerts refused") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
}
