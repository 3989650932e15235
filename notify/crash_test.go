package notify

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// The crash tests run a second copy of this test binary as the process that
// dies: it writes an event (and maybe claims its message), says so on
// stdout, and waits to be killed with SIGKILL, as kill -9 does. No deferred
// code, no Close: the database is left as a crash leaves it.
const crashEnv = "HYPERCARE_OUTBOX_CRASH"

func TestMain(m *testing.M) {
	if spec := os.Getenv(crashEnv); spec != "" {
		crashChild(spec)
		return
	}
	os.Exit(m.Run())
}

// crashChild is the dying process: spec is "stage|db|url".
func crashChild(spec string) {
	parts := strings.SplitN(spec, "|", 3)
	stage, path, url := parts[0], parts[1], parts[2]
	ctx := context.Background()
	o, err := open(ctx, path, webhookRule(url, 0))
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	if _, err := o.desk.CreateIncident(ctx, operator, model.NewIncident{Title: "Checkout returns 502", Service: "checkout",
		Category: "availability", Impact: model.High, Urgency: model.High}); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	if stage == "claimed" {
		if _, err := o.desk.ClaimNotification(ctx, "doomed", o.clock.At); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
	}
	fmt.Println(stage)
	select {} // until killed
}

// crash runs the child to stage and kills it with SIGKILL once it got there.
func crash(t *testing.T, stage, path, url string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnv+"="+stage+"|"+path+"|"+url)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != stage {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the child said %q, %v", line, err)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: kill -9
		t.Fatal(err)
	}
	cmd.Wait()
}

// A process killed between writing the event and delivering its message
// leaves the message in the outbox: the next worker on the file delivers
// it, once. One killed after claiming it leaves a lease: the message waits
// until the lease runs out, then is delivered once.
func TestOutboxSurvivesKill9(t *testing.T) {
	for _, tc := range []struct {
		stage string
		wait  time.Duration // how long the message is held by the dead worker's lease
	}{{"written", 0}, {"claimed", model.NotifyLease}} {
		t.Run(tc.stage, func(t *testing.T) {
			rcv := newReceiver(t, 200)
			path := filepath.Join(t.TempDir(), "hypercare.db")
			crash(t, tc.stage, path, rcv.srv.URL)

			o := openOutbox(t, path, webhookRule(rcv.srv.URL, 0))
			m := o.only()
			if m.Event != model.EventP1Opened {
				t.Fatalf("after the crash: %+v", m)
			}
			w := o.worker("survivor", Senders{}.Send)
			if tc.wait > 0 {
				if got := o.drain(w); got != 0 || m.State != model.NotifySending || m.LeaseOwner != "doomed" {
					t.Fatalf("while the dead worker's lease lasts: finished %d, %+v", got, m)
				}
				o.clock.At = o.clock.At.Add(tc.wait)
			}
			if got := o.drain(w); got != 1 {
				t.Fatalf("finished %d, want 1", got)
			}
			o.clock.At = o.clock.At.Add(time.Hour)
			o.drain(w)
			if posts := rcv.received(); len(posts) != 1 {
				t.Fatalf("%d deliveries, want exactly 1", len(posts))
			}
			if m := o.only(); m.State != model.NotifySent {
				t.Fatalf("state %s", m.State)
			}
		})
	}
}
