//go:build unix

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hypercare-ops/hypercare/store/pg/pgtest"
	gossh "golang.org/x/crypto/ssh"
)

// PostgreSQL restarts under a running hypercare serve process, a console open over
// SSH: the session says the store is unreachable and keeps what it read,
// a CLI write fails with the reason and exit 1, a drop that arrives waits
// in its folder; when the server is back the session is live again by
// itself, the drop is applied and nothing written before is missing.
func TestPostgresRestartUnderASession(t *testing.T) {
	cluster := pgtest.NewCluster(t) // a server of this test's own, to restart
	url := cluster.URL
	t.Setenv("XDG_DATA_HOME", t.TempDir()) // the SSH host key of a hypercare on PostgreSQL
	_, planPath := seededAt(t, url)        // INC-1
	keys := writeKeyedPlan(t, planPath, false)
	drops := filepath.Join(t.TempDir(), "drops")
	site := startProcess(t, "--db", url, "--plan", planPath, "--drops", drops, "serve", "--ssh", "127.0.0.1:0")
	port := regexp.MustCompile(`ssh -p (\d+) `)
	waitUntil(t, "serve to listen for SSH", func() bool { return port.MatchString(site.out.String()) })
	env := &sshEnv{addr: "127.0.0.1:" + port.FindStringSubmatch(site.out.String())[1]}
	pub, err := os.ReadFile(hostKeyPath(url) + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	if env.hostKey, _, _, _, err = gossh.ParseAuthorizedKey(pub); err != nil {
		t.Fatal(err)
	}
	tm := env.open(t, keys[operatorName], 200, 60)
	tm.waitQueue("● LIVE")

	mark := tm.mark()
	cluster.Down(t)
	tm.waitFor(mark, screenWait, "store unreachable, reconnecting", "changes are refused until it is back", "STALE")
	newIncident := []string{"--db", url, "--plan", planPath, "--as", operatorName, "incident", "new", "--service", "orders",
		"--title", "Orders stuck after the restart", "--impact", "medium", "--urgency", "high"}
	code, out, errOut := cli(t, newIncident...)
	if code != exitRejected || !strings.Contains(errOut, "store unreachable") || strings.Contains(errOut, "password") {
		t.Fatalf("a CLI write while PostgreSQL is down: exit %d\n%s%s", code, out, errOut)
	}
	drop := filepath.Join(t.TempDir(), "probe.ndjson")
	if err := os.WriteFile(drop, fmt.Appendf(nil, genericAlert, 7, 7, 7), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(drop, filepath.Join(drops, "probe.ndjson")); err != nil {
		t.Fatal(err)
	}
	tried := regexp.MustCompile(`probe\.ndjson.*store unreachable.*retrying in`)
	waitUntil(t, "the watcher to try the drop and wait", func() bool { return tried.MatchString(site.out.String()) })
	if !exists(filepath.Join(drops, "probe.ndjson")) || countFiles(drops, "rejected") != 0 {
		t.Fatal("the drop that came while PostgreSQL was down left the folder")
	}

	mark = tm.mark()
	cluster.Up(t)
	tm.waitFor(mark, screenWait, "● LIVE")
	waitUntil(t, "the drop to be applied", func() bool { return exists(filepath.Join(drops, "processed", "probe.ndjson")) })
	if code, out, errOut := cli(t, newIncident...); code != exitOK || !strings.Contains(out, " opened: P2") {
		t.Fatalf("the same write once PostgreSQL is back: exit %d\n%s%s", code, out, errOut)
	}
	tm.waitFor(mark, screenWait, "Orders stuck after the restart")
	select {
	case err := <-tm.ended:
		t.Fatalf("the session ended during the restart: %v\n%s", err, tm.raw())
	case err := <-site.done:
		t.Fatalf("hypercare serve ended during the restart: %v\n%s", err, site.out)
	default:
	}
	// Nothing written before the restart, nor the drop held during it, is missing.
	for _, args := range [][]string{{"show", "incident", "1"}, {"list", "alerts", "--filter", "CliProbe7"}} {
		if out := cliOut(t, append([]string{"--db", url, "--plan", planPath}, args...)...); !strings.Contains(out, "checkout") {
			t.Errorf("%s after the restart:\n%s", strings.Join(args, " "), out)
		}
	}
}
