package main

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
	"github.com/hypercare-ops/hypercare/store/drops"
	"golang.org/x/net/netutil"
)

// receiverPaths are where senders post: one path per format, so a
// sender's configuration says what it sends and a payload posted to the
// wrong one is caught instead of guessed at. FORMATS.md documents each.
var receiverPaths = []struct{ path, format, what string }{
	{alertsPrefix + drops.FormatAlertmanager, drops.FormatAlertmanager, `Alertmanager webhook (version "4")`},
	{alertsPrefix + drops.FormatGrafana, drops.FormatGrafana, "Grafana alerting webhook"},
	{alertsPrefix + drops.FormatPagerDuty, drops.FormatPagerDuty, "PagerDuty Events API v2 event"},
	{alertsPrefix + drops.FormatOpsgenie, drops.FormatOpsgenie, "Opsgenie Create Alert body or outgoing webhook"},
	{alertsPrefix + drops.FormatGeneric, drops.FormatGeneric, "hypercare's generic NDJSON"},
	{deploysPath, drops.FormatDeploy, "deploys from a pipeline"},
	{heartbeatsPath, drops.FormatHeartbeat, "heartbeats of scheduled jobs"},
}

const (
	// alertsPrefix is the part every alert path shares: /alerts/<format>.
	alertsPrefix = "/alerts/"
	// deploysPath receives the deploy format, heartbeatsPath the heartbeat
	// format; neither carries alerts.
	deploysPath    = "/deploys"
	heartbeatsPath = "/heartbeats"
	// httpMaxConns bounds the receiver's open connections; past it, new
	// ones wait in the kernel's accept queue until one closes.
	httpMaxConns = 64
	// httpRetryAfter is how long a sender turned away for load is asked to
	// wait (Retry-After). Alertmanager retries 5xx on its own back-off.
	httpRetryAfter = 5 * time.Second
	// bigPayload is the size from which the receiver collects the garbage
	// of a parse at once (see receive).
	bigPayload = 1 << 20
	// drainLimit is how much of a body turned away for load is read, so
	// its sender sees the 503 (see receive).
	drainLimit = 1 << 20
)

// receiver accepts alert webhooks over HTTP and writes each payload as a
// drop file, so the watcher applies it by the same path as any other drop
// (and a payload answered 202 survives a crash: it is on disk). The payload
// is parsed first, so a sender hears about a bad one at once rather than
// finding it in rejected/.
type receiver struct {
	dir string
	lim drops.Limits
	now func() time.Time
	// source is what the current plan says about a format's sender; its
	// Token, when set, must come with every post to that format's path.
	source func(format string) model.AlertSource
	log    *log.Logger
	// pending bounds the bytes of posted payloads not yet applied: bodies
	// being read and parsed here, and drops waiting for the watcher, which
	// reads and parses each again. A payload costs several times its size
	// while it is parsed, so this is what keeps memory inside the server's
	// budget whatever senders do, and it pushes back on senders when the
	// watcher falls behind instead of filling the folder.
	pending *byteBudget
	seq     atomic.Uint64
	// knownService and knownJob, when set, report whether the current
	// plan has a service or a job, so that a deploy or heartbeat of one it
	// lacks is refused to its sender at once rather than rejected by the
	// watcher.
	knownService func(id string) bool
	knownJob     func(id string) bool
}

// newReceiver is the receiver for drop folder dir. The bytes of posted
// payloads not yet applied are bounded by lim.MaxBytes (its default when
// zero): one maximum-size payload, or many small ones.
func newReceiver(dir string, lim drops.Limits, source func(format string) model.AlertSource, logger *log.Logger) *receiver {
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = drops.DefaultLimits().MaxBytes
	}
	return &receiver{dir: dir, lim: lim, now: time.Now, source: source, log: logger,
		pending: &byteBudget{limit: int64(lim.MaxBytes), waiting: map[string]int64{}}}
}

// knowPlan has the receiver refuse deploys of services and heartbeats of
// jobs the current plan lacks.
func (rc *receiver) knowPlan(current func() *plan.Plan) {
	rc.knownService = func(id string) bool { _, ok := current().ServiceTier(id); return ok }
	rc.knownJob = func(id string) bool { _, ok := current().Job(id); return ok }
}

// handler routes the receiver's paths; anything else is a 404 that lists them.
func (rc *receiver) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc(alertsPrefix+"{format}", func(w http.ResponseWriter, r *http.Request) {
		format := r.PathValue("format")
		if pathOf(format) != alertsPrefix+format {
			refuse(w, http.StatusNotFound, fmt.Sprintf("hypercare: %q is not a format hypercare receives.\n%s", cleanPath(format), pathList()))
			return
		}
		rc.receive(w, r, format)
	})
	mux.HandleFunc(deploysPath, func(w http.ResponseWriter, r *http.Request) { rc.receive(w, r, drops.FormatDeploy) })
	mux.HandleFunc(heartbeatsPath, func(w http.ResponseWriter, r *http.Request) { rc.receive(w, r, drops.FormatHeartbeat) })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		refuse(w, http.StatusNotFound, fmt.Sprintf("hypercare: nothing receives alerts at %s.\n%s", cleanPath(r.URL.Path), pathList()))
	})
	return mux
}

// pathList says where to post, for the 404 and 405 answers.
func pathList() string {
	var b strings.Builder
	b.WriteString("POST each payload to the path of its format:\n")
	for _, p := range receiverPaths {
		fmt.Fprintf(&b, "  %-24s %s\n", p.path, p.what)
	}
	b.WriteString("Their fields and a curl example of each: run 'hypercare formats'.\n")
	return b.String()
}

// receive takes a post to format's path.
func (rc *receiver) receive(w http.ResponseWriter, r *http.Request, format string) {
	path := pathOf(format)
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		refuse(w, http.StatusMethodNotAllowed, fmt.Sprintf("hypercare: %s takes payloads by POST, not %s.\n%s", cleanPath(r.URL.Path), cleanPath(r.Method), pathList()))
		return
	}
	// The token is checked before a byte of the body is read, so nobody
	// without it can make the server read 16 MiB.
	if token := rc.source(format).Token; token != "" && !bearer(r, token) {
		rc.log.Printf("http: refused a post to %s by %s: no or wrong bearer token", path, r.RemoteAddr)
		w.Header().Set("WWW-Authenticate", `Bearer realm="hypercare"`)
		refuse(w, http.StatusUnauthorized, fmt.Sprintf("hypercare: %s needs the header 'Authorization: Bearer <token>' with the token the support plan's "+
			"[[source]] name = %q sets (token or token_env). Alertmanager sends it with http_config.authorization; see 'hypercare formats'.\n", cleanPath(r.URL.Path), format))
		return
	}
	if r.ContentLength > int64(rc.lim.MaxBytes) {
		rc.tooBig(w)
		return
	}
	// A body of unknown length (chunked) may grow to the limit, so it holds
	// the whole budget: senders that say Content-Length share it.
	weight := r.ContentLength
	if weight < 0 {
		weight = int64(rc.lim.MaxBytes)
	}
	weight = max(weight, 1)
	if !rc.pending.take(weight) {
		// A small body is read into nothing, so the sender, still writing
		// it, reads the answer rather than a reset connection. A large one
		// is not: reading it for every retry would spend the time the
		// watcher needs to catch up. Its connection is closed after the
		// answer, and senders retry a reset as they retry a 503.
		if n, _ := io.CopyN(io.Discard, r.Body, drainLimit+1); n > drainLimit {
			w.Header().Set("Connection", "close")
		}
		w.Header().Set("Retry-After", strconv.Itoa(int(httpRetryAfter/time.Second)))
		refuse(w, http.StatusServiceUnavailable, fmt.Sprintf("hypercare: busy: earlier payloads (up to %d bytes at once) are still being read or applied; nothing of this one was kept. Send it again after %s.\n",
			rc.lim.MaxBytes, httpRetryAfter))
		return
	}
	// The bytes are given back when the request fails, or once the watcher
	// has applied the drop it wrote.
	queued := ""
	defer func() { rc.pending.release(queued, weight) }()

	body, err := readBody(w, r, rc.lim.MaxBytes)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		rc.tooBig(w)
		return
	case err != nil:
		refuse(w, http.StatusBadRequest, "hypercare: reading the request failed: "+err.Error()+"\nNothing was applied; send it again.\n")
		return
	case len(bytes.TrimSpace(body)) == 0:
		refuse(w, http.StatusBadRequest, fmt.Sprintf("hypercare: the request has no body: POST a %s payload to %s (see 'hypercare formats').\n", format, path))
		return
	}
	name := fmt.Sprintf("%s-http-%06d-%s.json", rc.now().UTC().Format("20060102T150405.000"), rc.seq.Add(1), format)
	// Only the receipt is kept of this parse: the watcher parses the drop
	// again to apply it, part by part, and so is this parse done, so that a
	// payload of many alerts never sits in memory whole.
	var b drops.Batch
	alerts, deploys, beats := 0, 0, 0
	err = drops.ParseEach(name, body, rc.lim, func(part drops.Batch) error {
		b.Format, b.Refused = part.Format, append(b.Refused, part.Refused...)
		alerts += len(part.Events)
		deploys += len(part.Deploys)
		beats += len(part.Heartbeats)
		for _, d := range part.Deploys {
			if rc.knownService != nil && !rc.knownService(d.Service) {
				return fmt.Errorf("deploy of %s %s: service %q is not in the support plan; report deploys of the plan's [[service]] ids", d.Service, d.Version, d.Service)
			}
		}
		for _, hb := range part.Heartbeats {
			if rc.knownJob != nil && !rc.knownJob(hb.Job) {
				return fmt.Errorf("heartbeat of %s: job %q is not in the support plan; report heartbeats of the plan's [[job]] ids", hb.Job, hb.Job)
			}
		}
		return nil
	})
	if err != nil {
		rc.log.Printf("http: refused a payload posted to %s by %s: %v", path, r.RemoteAddr, err)
		refuse(w, http.StatusBadRequest, refusedText(err))
		return
	}
	if b.Format != format {
		rc.log.Printf("http: refused a %s payload posted to %s by %s", b.Format, path, r.RemoteAddr)
		refuse(w, http.StatusBadRequest, fmt.Sprintf("hypercare: the payload was refused: it is a %s payload, posted to %s. Post it to %s, or check the sender's configuration; nothing was applied.\n",
			b.Format, path, pathOf(b.Format)))
		return
	}
	out := receipt{Queued: name, Format: format, Alerts: alerts, Deploys: deploys, Heartbeats: beats, Refused: make([]refusedAlert, len(b.Refused))}
	for i, r := range b.Refused {
		out.Refused[i] = refusedAlert{Line: r.Err.Line, Column: r.Err.Column, Field: r.Err.Field, Key: r.Key, Name: r.Name, Reason: r.Err.Reason}
	}
	if err := writeDrop(rc.dir, name, body); err != nil {
		rc.log.Printf("http: could not queue a payload posted to %s: %v", path, err)
		w.Header().Set("Retry-After", strconv.Itoa(int(httpRetryAfter/time.Second)))
		refuse(w, http.StatusServiceUnavailable, "hypercare: the payload is valid but could not be queued ("+err.Error()+"); nothing was applied. Send it again.\n")
		return
	}
	queued = filepath.Join(rc.dir, name)
	if len(body) >= bigPayload {
		// A large payload leaves several times its size of garbage from the
		// parse (nothing refers to it any more). Collecting it now, before
		// the watcher reads and parses the same drop, keeps the two from
		// adding up in the server's memory.
		runtime.GC()
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_ = json.NewEncoder(w).Encode(out)
}

// receipt is the 202 answer: the payload is on disk as a drop and the
// watcher applies it next, all but the refused alerts.
type receipt struct {
	Queued  string `json:"queued"` // the drop's file name
	Format  string `json:"format"`
	Alerts  int    `json:"alerts"`           // alerts queued
	Deploys int    `json:"deploys,omitzero"` // deploys queued (the deploy format)
	// Heartbeats queued (the heartbeat format).
	Heartbeats int            `json:"heartbeats,omitzero"`
	Refused    []refusedAlert `json:"refused"` // alerts left out, each with its reason; [] when none
}

// refusedAlert is one alert of an accepted payload that was left out.
type refusedAlert struct {
	Line   int    `json:"line,omitempty"` // where in the body
	Column int    `json:"column,omitempty"`
	Field  string `json:"field,omitempty"` // the offending value, e.g. alerts[3].labels
	Key    string `json:"key,omitempty"`   // its dedup key, when it could be worked out
	Name   string `json:"name,omitempty"`  // its alertname, when known
	Reason string `json:"reason"`
}

func (rc *receiver) tooBig(w http.ResponseWriter) {
	refuse(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("hypercare: the payload is over %d bytes (MaxBytes); nothing was applied. Send smaller groups (Alertmanager: max_alerts on the webhook receiver).\n", rc.lim.MaxBytes))
}

// refusedText is a parse error worded for whoever runs the sender: where
// in the payload, what is wrong, and that the next send of a fixed payload
// is accepted (a file dropped in the folder has its own advice).
func refusedText(err error) string {
	var b strings.Builder
	b.WriteString("hypercare: the payload was refused, nothing in it was applied: ")
	var pe *drops.ParseError
	if errors.As(err, &pe) {
		b.WriteString(parseErrorText(pe))
	} else {
		b.WriteString(err.Error())
	}
	b.WriteString("\nFix the sender; a corrected payload is accepted on its next send. Formats and their fields: 'hypercare formats'.\n")
	return b.String()
}

// parseErrorText is a parse error without the drop's file name, which means
// nothing to an HTTP sender: the line and column in the body instead.
func parseErrorText(pe *drops.ParseError) string {
	var b strings.Builder
	if pe.Line > 0 {
		fmt.Fprintf(&b, "line %d, column %d: ", pe.Line, pe.Column)
	}
	if pe.Field != "" {
		b.WriteString(pe.Field + ": ")
	}
	b.WriteString(pe.Reason)
	return b.String()
}

// pathOf is where a format is posted; "" for none.
func pathOf(format string) string {
	for _, p := range receiverPaths {
		if p.format == format {
			return p.path
		}
	}
	return ""
}

// bearer reports whether r carries "Authorization: Bearer token". Comparing
// digests takes the same time wherever the two differ and whatever their
// lengths, so timing tells a guesser nothing.
func bearer(r *http.Request, token string) bool {
	scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	g, t := sha256.Sum256([]byte(strings.TrimSpace(got))), sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(g[:], t[:]) == 1
}

// readBody reads a request body of at most limit bytes, into one buffer of
// the declared size when there is one, so a large payload is not copied
// while a growing buffer doubles.
func readBody(w http.ResponseWriter, r *http.Request, limit int) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, int64(limit))
	if r.ContentLength >= 0 {
		buf := make([]byte, r.ContentLength)
		_, err := io.ReadFull(body, buf)
		return buf, err
	}
	return io.ReadAll(body)
}

// refuse answers with a plain-text reason, which Alertmanager and most
// senders put in their own logs.
func refuse(w http.ResponseWriter, code int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	io.WriteString(w, text)
}

// cleanPath is a request path fit to echo back: no control characters,
// and not long.
func cleanPath(p string) string {
	p = model.Clean(p, false)
	if len(p) > 200 {
		p = p[:200] + "…"
	}
	return p
}

// byteBudget bounds the bytes of payloads held at once, from the moment
// their body is read until the watcher has applied the drop written of them.
// take never waits, so a busy receiver answers 503 at once instead of
// queueing bodies in memory.
type byteBudget struct {
	mu          sync.Mutex
	limit, used int64
	waiting     map[string]int64 // drop path → its bytes, until the watcher moves it away
}

func (b *byteBudget) take(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.limit {
		b.reap()
	}
	if b.used+n > b.limit {
		return false
	}
	b.used += n
	return true
}

// release gives n bytes back now, or, with the path of a drop written,
// once the watcher has moved that drop out of the folder.
func (b *byteBudget) release(drop string, n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if drop == "" {
		b.used -= n
		return
	}
	b.waiting[drop] += n
}

// reap gives back the bytes of drops the watcher has applied (or
// rejected): it moves each out of the folder when done. Only a budget that
// is full looks, so a quiet receiver never stats a file.
func (b *byteBudget) reap() {
	for drop, n := range b.waiting {
		if _, err := os.Lstat(drop); errors.Is(err, fs.ErrNotExist) {
			delete(b.waiting, drop)
			b.used -= n
		}
	}
}

func (b *byteBudget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// listenHTTP serves the receiver on addr with bounds on everything a
// sender controls: connections, header size, and how long a request may
// take to arrive.
func listenHTTP(addr string, h http.Handler, logger *log.Logger) (*http.Server, net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("http: %w", err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		// A 16 MiB body needs about 300 KB/s to arrive in time; a slower
		// sender would hold part of the body budget for everyone else.
		ReadTimeout:    time.Minute,
		WriteTimeout:   time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       logger,
	}
	return srv, netutil.LimitListener(ln, httpMaxConns), nil
}

// writeDrop writes a drop the way producers must: as a dotfile, synced,
// then renamed in, so the watcher never reads half a file.
func writeDrop(dir, name string, data []byte) error {
	return replaceFile(filepath.Join(dir, name), func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
