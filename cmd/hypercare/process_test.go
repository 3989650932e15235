//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// asHypercare set in the environment makes this test binary hypercare
// itself: TestMain runs the command line it was given instead of the
// tests, so a test can start hypercare as processes of their own (each
// with its own pool, listener and lead) without building a binary.
const asHypercare = "HYPERCARE_TEST_AS_HYPERCARE"

func TestMain(m *testing.M) {
	if os.Getenv(asHypercare) != "" {
		// The time-driven work ticks faster than in production, so a test
		// sees its escalations and a change of leader in seconds.
		slaSweepEvery, leadCheckEvery = 100*time.Millisecond, 100*time.Millisecond
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// process is hypercare running as a process of its own.
type process struct {
	cmd  *exec.Cmd
	out  *syncBuffer // stdout and stderr
	done chan error
}

// startProcess starts hypercare with args; the test stops it when it ends.
func startProcess(t *testing.T, args ...string) *process {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), asHypercare+"=1")
	p := &process{cmd: cmd, out: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() { p.stop(t) })
	return p
}

// pid is the process id, as the process's PostgreSQL sessions name it
// ("hypercare PID@HOST").
func (p *process) pid() string { return strconv.Itoa(p.cmd.Process.Pid) }

// stop interrupts the process as ctrl+c does and waits for it to end.
func (p *process) stop(t *testing.T) {
	if p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-p.done:
	case <-time.After(screenWait):
		p.cmd.Process.Kill()
		<-p.done
		t.Errorf("hypercare %s did not stop when interrupted; it said:\n%s", p.pid(), p.out)
	}
}

// kill ends the process at once, as a crash or a lost machine does.
func (p *process) kill() {
	p.cmd.Process.Kill()
	<-p.done
}

// waitOutput waits until the process has said want.
func (p *process) waitOutput(t *testing.T, want string) {
	t.Helper()
	waitUntil(t, "hypercare "+p.pid()+" to say "+strconv.Quote(want), func() bool { return strings.Contains(p.out.String(), want) })
}

// waitUntil checks cond every few milliseconds until it holds, failing the
// test after screenWait: for state outside this process (another process,
// the file system), which wakes nobody here.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(screenWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", screenWait, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer that a process writes and a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
