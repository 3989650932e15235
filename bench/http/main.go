// Command http measures the HTTP alert receiver's memory against the budget
// in SPEC.md (RSS ≤ 100 MB for the whole server) when many senders post
// maximum-size payloads at once, as in issue 10: 40 parallel posts of 16 MiB.
//
//	go run ./bench/http                        # every shape, 40 posts each
//	go run ./bench/http -shapes many -retry    # senders retry 503s until all are taken
//	go run ./bench/http -bin ./hypercare -posts 80
//
// The server is the real `hypercare serve --ssh off --http`, run as a child
// process over a fresh database with the example plan (and a bearer token
// for Alertmanager, so every post goes through the token check too), so its
// memory is measured alone: VmRSS from /proc/PID/status, sampled every 10 ms
// while the posts run and the watcher applies what was accepted, and VmHWM,
// the kernel's own peak, reset before each shape (clear_refs 5).
//
// Each shape is a payload just under the 16 MiB limit:
//
//	many   an Alertmanager group of ~10,000 alerts of ~1.6 KB: a real, large group
//	huge   one alert whose summary is the whole 16 MiB: the hostile case of issue 10
//	tiny   as many minimal alerts as fit (~380,000): the most alerts one body can hold
//
// Every post of a round differs in its groupKey, so no two are the same
// drop. Without -retry each sender posts once and the answers are counted
// (202 taken, 503 turned away); with -retry each sender tries again 200 ms
// after a 503, as a sender honouring a shorter Retry-After would, until its
// post is taken: the server then reads, parses and applies all of them.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hypercare-ops/hypercare/examples"
)

func main() {
	var cfg config
	flag.IntVar(&cfg.posts, "posts", 40, "parallel posts per shape")
	flag.IntVar(&cfg.size, "size", 16<<20, "payload size in bytes (the receiver's limit is 16 MiB)")
	flag.StringVar(&cfg.shapes, "shapes", "many,huge,tiny", "payload shapes to post, comma-separated: many, huge, tiny")
	flag.BoolVar(&cfg.retry, "retry", false, "retry each 503 after 200 ms until every post is taken")
	flag.BoolVar(&cfg.folder, "folder", false, "for comparison: rename the payloads into the drop folder instead of posting them")
	flag.StringVar(&cfg.bin, "bin", "", "hypercare binary (default: build ./cmd/hypercare into the work folder)")
	flag.StringVar(&cfg.memlimit, "gomemlimit", "", "GOMEMLIMIT for the server (default: none)")
	flag.Parse()
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench/http:", err)
		os.Exit(1)
	}
}

type config struct {
	posts, size           int
	shapes, bin, memlimit string
	retry, folder         bool
}

const token = "bench-token"

func run(cfg config) error {
	work, err := os.MkdirTemp("", "hypercare-bench-http-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if cfg.bin == "" {
		cfg.bin = filepath.Join(work, "hypercare")
		build := exec.Command("go", "build", "-o", cfg.bin, "github.com/hypercare-ops/hypercare/cmd/hypercare")
		build.Stdout, build.Stderr = os.Stdout, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build hypercare: %w", err)
		}
	}
	srv, err := startServer(cfg, work)
	if err != nil {
		return err
	}
	defer srv.stop()
	time.Sleep(time.Second) // let start-up settle before the baseline
	fmt.Printf("server idle: RSS %.1f MB (GOMEMLIMIT %q)\n", mb(srv.status("VmRSS")), cfg.memlimit)

	for _, shape := range strings.Split(cfg.shapes, ",") {
		body, err := payload(shape, cfg.size)
		if err != nil {
			return err
		}
		if err := srv.round(cfg, shape, body); err != nil {
			return err
		}
	}
	return nil
}

// payload is one Alertmanager notification of the shape, just under size
// bytes; its groupKey is GROUPKEY, replaced per post.
func payload(shape string, size int) ([]byte, error) {
	var one func(i int) string
	switch shape {
	case "many":
		one = func(i int) string {
			return fmt.Sprintf(`{"status":"firing","labels":{"alertname":"BenchMany","severity":"warning","service":"checkout","instance":"host-%d:9100"},"annotations":{"summary":"%s"},"startsAt":"2026-11-20T09:14:03Z","endsAt":"0001-01-01T00:00:00Z"}`, i, strings.Repeat("s", 1400))
		}
	case "tiny":
		one = func(i int) string {
			return fmt.Sprintf(`{"status":"firing","labels":{"alertname":"BenchTiny","i":"%d"}}`, i)
		}
	case "huge":
		head := `{"version":"4","groupKey":"GROUPKEY","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"BenchHuge","service":"checkout"},"annotations":{"summary":"`
		tail := `"},"startsAt":"2026-11-20T09:14:03Z","endsAt":"0001-01-01T00:00:00Z"}]}`
		return []byte(head + strings.Repeat("x", size-len(head)-len(tail)-64) + tail), nil
	default:
		return nil, fmt.Errorf("-shapes: %q is not many, huge or tiny", shape)
	}
	var b bytes.Buffer
	b.WriteString(`{"version":"4","groupKey":"GROUPKEY","status":"firing","alerts":[`)
	for i := 0; ; i++ {
		a := one(i)
		if b.Len()+len(a)+64 > size {
			break
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(a)
	}
	b.WriteString(`]}`)
	return b.Bytes(), nil
}

type server struct {
	cmd   *exec.Cmd
	url   string
	drops string
	log   string
}

func startServer(cfg config, work string) (*server, error) {
	planPath := filepath.Join(work, "plan.toml")
	plan := append(bytes.Clone(examples.Plan), fmt.Sprintf("\n[[source]]\nname = \"alertmanager\"\ntoken = %q\n", token)...)
	if err := os.WriteFile(planPath, plan, 0o644); err != nil {
		return nil, err
	}
	s := &server{drops: filepath.Join(work, "drops"), log: filepath.Join(work, "server.log")}
	logFile, err := os.Create(s.log)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	s.cmd = exec.Command(cfg.bin, "--db", filepath.Join(work, "data", "hypercare.db"), "--plan", planPath,
		"--drops", s.drops, "--config", filepath.Join(work, "config.toml"), "serve", "--ssh", "off", "--http", "127.0.0.1:0")
	s.cmd.Stderr = logFile
	if cfg.memlimit != "" {
		s.cmd.Env = append(os.Environ(), "GOMEMLIMIT="+cfg.memlimit)
	}
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	found := make(chan string, 1)
	go func() {
		addr := regexp.MustCompile(`receiving alerts on (http://[^/]+)/`)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := addr.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		close(found)
	}()
	select {
	case url, ok := <-found:
		if ok {
			s.url = url
			return s, nil
		}
	case <-time.After(30 * time.Second):
	}
	s.stop()
	log, _ := os.ReadFile(s.log)
	return nil, fmt.Errorf("the server did not start:\n%s", log)
}

func (s *server) stop() {
	s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
	}
}

// status reads one kB field of /proc/PID/status (VmRSS, VmHWM).
func (s *server) status(field string) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if name, value, ok := strings.Cut(line, ":"); ok && name == field {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(value), " kB"))
			return n
		}
	}
	return 0
}

func mb(kB int) float64 { return float64(kB) / 1024 }

// pending counts drops not yet applied: files in the drop folder itself.
func (s *server) pending() int {
	entries, _ := os.ReadDir(s.drops)
	n := 0
	for _, e := range entries {
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
			n++
		}
	}
	return n
}

func (s *server) round(cfg config, shape string, body []byte) error {
	// Reset the kernel's peak so VmHWM is this shape's.
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.cmd.Process.Pid), []byte("5"), 0); err != nil {
		return fmt.Errorf("reset the peak RSS: %w", err)
	}
	before := s.status("VmRSS")
	var peak atomic.Int64
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if rss := int64(s.status("VmRSS")); rss > peak.Load() {
				peak.Store(rss)
			}
			select {
			case <-stopSampling:
				return
			case <-t.C:
			}
		}
	}()

	start := time.Now()
	var taken, busy, reset, other atomic.Int64
	var firstErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range cfg.posts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := bytes.Replace(body, []byte("GROUPKEY"), []byte(fmt.Sprintf("bench-%s-%03d", shape, i)), 1)
			if cfg.folder {
				if err := s.drop(fmt.Sprintf("bench-%s-%03d.json", shape, i), mine); err != nil {
					other.Add(1)
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				taken.Add(1)
				return
			}
			for {
				code, text, err := post(s.url+"/alerts/alertmanager", mine)
				switch {
				case err != nil && code == 0 && isReset(err):
					// Turned away while still sending: the server closed the
					// connection after its 503 without reading the rest.
					reset.Add(1)
					if !cfg.retry {
						return
					}
					time.Sleep(200 * time.Millisecond)
					continue
				case err != nil || (code != http.StatusAccepted && code != http.StatusServiceUnavailable):
					other.Add(1)
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("post %d: %d %s %v", i, code, strings.TrimSpace(text), err)
					}
					mu.Unlock()
					return
				case code == http.StatusAccepted:
					taken.Add(1)
					return
				}
				busy.Add(1)
				if !cfg.retry {
					return
				}
				time.Sleep(200 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	posted := time.Since(start)
	for s.pending() > 0 {
		time.Sleep(50 * time.Millisecond)
	}
	applied := time.Since(start)
	close(stopSampling)
	<-sampled
	via := "posts"
	if cfg.folder {
		via = "files dropped"
	}
	fmt.Printf("%-5s %d %s of %.1f MiB: %d taken, %d answered 503 and %d cut off after it%s, %d failed; posted in %s, applied in %s\n",
		shape, cfg.posts, via, float64(len(body))/(1<<20), taken.Load(), busy.Load(), reset.Load(), map[bool]string{true: " (then retried)"}[cfg.retry], other.Load(),
		posted.Round(time.Millisecond), applied.Round(time.Millisecond))
	fmt.Printf("      server RSS: %.1f MB before, peak %.1f MB sampled, VmHWM %.1f MB, %.1f MB after  (budget 100 MB)\n",
		mb(before), mb(int(peak.Load())), mb(s.status("VmHWM")), mb(s.status("VmRSS")))
	if firstErr != nil {
		log, _ := os.ReadFile(s.log)
		return errors.Join(firstErr, fmt.Errorf("server log:\n%s", log))
	}
	return nil
}

// drop writes a payload as producers must: a dotfile, renamed in.
func (s *server) drop(name string, data []byte) error {
	tmp := filepath.Join(s.drops, "."+name)
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(s.drops, name))
}

// isReset reports a connection the server closed while the body was still
// being sent.
func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func post(url string, body []byte) (int, string, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(text), nil
}
