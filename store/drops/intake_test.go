package drops

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// fakeIngester records drops and, like model.Desk, applies each content hash
// at most once. before, when set, runs first on every call: to slow the
// ingester down, fail it, or change the file under it.
type fakeIngester struct {
	mu      sync.Mutex
	seen    map[string]bool
	applied []model.Drop
	calls   int
	before  func(d model.Drop) error
}

func newFake() *fakeIngester { return &fakeIngester{seen: map[string]bool{}} }

func (f *fakeIngester) Ingest(ctx context.Context, a model.Actor, d model.Drop) (model.IngestResult, error) {
	f.mu.Lock()
	f.calls++
	before := f.before
	f.mu.Unlock()
	if before != nil {
		if err := before(d); err != nil {
			return model.IngestResult{}, err
		}
	}
	if err := ctx.Err(); err != nil {
		return model.IngestResult{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.seen[d.SHA256] {
		return model.IngestResult{Duplicate: true}, nil
	}
	f.seen[d.SHA256] = true
	f.applied = append(f.applied, d)
	return model.IngestResult{Alerts: len(d.Events), New: len(d.Events), Refused: d.Refused}, nil
}

// IngestAll applies drops as one transaction would, like model.Desk: a
// drop at fault (model.ErrInvalidDrop) is undone alone, any other error
// undoes them all. The watcher batches through it, so every watcher test
// runs the batched path.
func (f *fakeIngester) IngestAll(ctx context.Context, a model.Actor, ds []model.Drop) ([]model.IngestResult, []error, error) {
	f.mu.Lock()
	seen, applied := maps.Clone(f.seen), slices.Clone(f.applied)
	f.mu.Unlock()
	res, errs := make([]model.IngestResult, len(ds)), make([]error, len(ds))
	for i, d := range ds {
		var err error
		res[i], err = f.Ingest(ctx, a, d)
		switch {
		case errors.Is(err, model.ErrInvalidDrop):
			errs[i] = err
		case err != nil:
			f.mu.Lock()
			f.seen, f.applied = seen, applied
			f.mu.Unlock()
			return nil, nil, err
		}
	}
	return res, errs, nil
}

func (f *fakeIngester) setBefore(fn func(d model.Drop) error) {
	f.mu.Lock()
	f.before = fn
	f.mu.Unlock()
}

// drops returns the applied drops, in the order they were applied.
func (f *fakeIngester) drops() []model.Drop {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]model.Drop(nil), f.applied...)
}

func (f *fakeIngester) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

const firing = `{"key":"probe-%d","status":"firing","summary":"probe %d failing","labels":{"probe":"p%d"}}` + "\n"

// writeDrop writes data to name in dir directly (as a test setting the scene,
// not as a producer: those go through dropIn).
func writeDrop(t *testing.T, dir, name, data string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func newIntake(t *testing.T, ing model.Ingester) *Intake {
	t.Helper()
	dir := t.TempDir()
	for _, sub := range []string{ProcessedDir, RejectedDir} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return &Intake{Dir: dir, Ingester: ing, Quiet: 10 * time.Millisecond}
}

func mustExist(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("want %s: %v", path, err)
	}
}

func mustNotExist(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("want no %s, stat says %v", path, err)
	}
}

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestToDrop(t *testing.T) {
	data := []byte(`{"version":"4"}`)
	b := Batch{Format: FormatAlertmanager, Group: "{}:{service=\"checkout\"}", Truncated: 37, Events: []Event{
		{Alert: model.Alert{DedupKey: "a", State: model.AlertFiring}},
		{Alert: model.Alert{DedupKey: "b"}, Ack: true},
	}}
	d := ToDrop("am.json", data, b)
	sum := sha256.Sum256(data)
	if d.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("SHA256 = %s, want the hex digest of the bytes", d.SHA256)
	}
	if d.Name != "am.json" || d.Format != FormatAlertmanager || d.Group != b.Group || d.Truncated != 37 || d.Received.IsZero() {
		t.Errorf("drop = %+v", d)
	}
	if len(d.Events) != 2 || d.Events[0].Alert.DedupKey != "a" || d.Events[0].Ack || d.Events[1].Alert.DedupKey != "b" || !d.Events[1].Ack {
		t.Errorf("events = %+v", d.Events)
	}
}

func TestApplyMovesAppliedDropToProcessed(t *testing.T) {
	fake := newFake()
	in := newIntake(t, fake)
	writeDrop(t, in.Dir, "probes.ndjson", fmt.Sprintf(firing, 1, 1, 1)+fmt.Sprintf(firing, 2, 2, 2))

	res, err := in.Apply(t.Context(), "probes.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	if res.Rejected != nil || res.Duplicate || res.Format != FormatGeneric || res.Alerts != 2 || res.MovedTo != filepath.Join(ProcessedDir, "probes.ndjson") {
		t.Errorf("result = %+v", res)
	}
	mustNotExist(t, filepath.Join(in.Dir, "probes.ndjson"))
	path := filepath.Join(in.Dir, ProcessedDir, "probes.ndjson")
	mustExist(t, path)
	// Pruning counts from when the drop was applied, not when it was written.
	if info, _ := os.Stat(path); time.Since(info.ModTime()) > time.Minute {
		t.Errorf("processed file keeps its old mtime %v", info.ModTime())
	}
	if got := fake.drops(); len(got) != 1 || got[0].Name != "probes.ndjson" || len(got[0].Events) != 2 || got[0].Received != res.At {
		t.Errorf("ingested %+v", got)
	}
}

func TestApplyRejectsWithSidecar(t *testing.T) {
	data := readFixture(t, "bad-fields.json")
	fake := newFake()
	in := newIntake(t, fake)
	writeDrop(t, in.Dir, "bad-fields.json", string(data))

	res, err := in.Apply(t.Context(), "bad-fields.json")
	if err != nil {
		t.Fatal(err)
	}
	var pe *ParseError
	if !errors.As(res.Rejected, &pe) || res.MovedTo != filepath.Join(RejectedDir, "bad-fields.json") {
		t.Fatalf("result = %+v", res)
	}
	if fake.callCount() != 0 {
		t.Error("a rejected drop reached the ingester")
	}
	mustExist(t, filepath.Join(in.Dir, RejectedDir, "bad-fields.json"))
	note := readText(t, filepath.Join(in.Dir, RejectedDir, "bad-fields.json.error"))
	for _, want := range []string{
		"bad-fields.json:1:72: alerts[0].labels: is empty: an alert without labels has no identity\n",
		"file:     bad-fields.json\n",
		"where:    line 1, column 72 (byte offset 71)\n",
		"field:    alerts[0].labels\n",
		"problem:  is empty: an alert without labels has no identity\n",
		"nothing in the file was applied",
		"What to do: fix the payload and drop it again",
		"hypercare formats",
	} {
		if !strings.Contains(note, want) {
			t.Errorf("sidecar lacks %q:\n%s", want, note)
		}
	}
}

func TestApplyRejectsOversizeWithoutReadingIt(t *testing.T) {
	fake := newFake()
	in := newIntake(t, fake)
	in.Limits.MaxBytes = 64
	data := strings.Repeat(fmt.Sprintf(firing, 1, 1, 1), 3)
	writeDrop(t, in.Dir, "big.ndjson", data)

	res, err := in.Apply(t.Context(), "big.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	if res.Rejected == nil || fake.callCount() != 0 {
		t.Fatalf("result = %+v, ingester calls %d", res, fake.callCount())
	}
	note := readText(t, filepath.Join(in.Dir, RejectedDir, "big.ndjson.error"))
	for _, want := range []string{fmt.Sprintf("big.ndjson: the file is %d bytes, over the limit of 64 (MaxBytes)", len(data)), "where:    the file as a whole"} {
		if !strings.Contains(note, want) {
			t.Errorf("sidecar lacks %q:\n%s", want, note)
		}
	}
}

func TestApplyNeverOverwrites(t *testing.T) {
	fake := newFake()
	in := newIntake(t, fake)
	writeDrop(t, filepath.Join(in.Dir, ProcessedDir), "probe.json", "earlier drop")
	writeDrop(t, filepath.Join(in.Dir, RejectedDir), "bad.json", "earlier bad drop")
	writeDrop(t, in.Dir, "probe.json", fmt.Sprintf(firing, 1, 1, 1))
	writeDrop(t, in.Dir, "bad.json", "{")

	for _, name := range []string{"probe.json", "bad.json"} {
		res, err := in.Apply(t.Context(), name)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(res.MovedTo) == name || !strings.HasPrefix(filepath.Base(res.MovedTo), strings.TrimSuffix(name, ".json")+"-") {
			t.Errorf("%s moved to %s", name, res.MovedTo)
		}
		mustExist(t, filepath.Join(in.Dir, res.MovedTo))
	}
	if got := readText(t, filepath.Join(in.Dir, ProcessedDir, "probe.json")); got != "earlier drop" {
		t.Errorf("processed/probe.json overwritten: %q", got)
	}
	if got := readText(t, filepath.Join(in.Dir, RejectedDir, "bad.json")); got != "earlier bad drop" {
		t.Errorf("rejected/bad.json overwritten: %q", got)
	}
	matches, _ := filepath.Glob(filepath.Join(in.Dir, RejectedDir, "bad-*.json.error"))
	if len(matches) != 1 {
		t.Errorf("sidecars of the second bad.json: %v", matches)
	}
}

func TestApplyLeavesFileOnIngestError(t *testing.T) {
	fake := newFake()
	in := newIntake(t, fake)
	writeDrop(t, in.Dir, "probe.json", fmt.Sprintf(firing, 1, 1, 1))
	locked := errors.New("database is locked")
	fake.setBefore(func(model.Drop) error { return locked })

	if _, err := in.Apply(t.Context(), "probe.json"); !errors.Is(err, locked) {
		t.Fatalf("err = %v, want the ingester's", err)
	}
	mustExist(t, filepath.Join(in.Dir, "probe.json"))
	mustNotExist(t, filepath.Join(in.Dir, RejectedDir, "probe.json"))

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	fake.setBefore(nil)
	if _, err := in.Apply(ctx, "probe.json"); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	mustExist(t, filepath.Join(in.Dir, "probe.json"))
}

func TestApplyLeavesNewcomerOfTheSameName(t *testing.T) {
	fake := newFake()
	in := newIntake(t, fake)
	writeDrop(t, in.Dir, "probe.json", fmt.Sprintf(firing, 1, 1, 1))
	// While the first probe.json is applied, its sender renames a new one
	// over it: that one must stay for its own turn, not be moved unread.
	fake.setBefore(func(model.Drop) error {
		staged := writeDrop(t, t.TempDir(), "probe.json", fmt.Sprintf(firing, 2, 2, 2))
		return os.Rename(staged, filepath.Join(in.Dir, "probe.json"))
	})
	res, err := in.Apply(t.Context(), "probe.json")
	if err != nil || res.MovedTo != "" || res.Alerts != 1 {
		t.Fatalf("result = %+v, err = %v", res, err)
	}
	if got := readText(t, filepath.Join(in.Dir, "probe.json")); !strings.Contains(got, "probe-2") {
		t.Errorf("the newcomer was replaced: %q", got)
	}
}

func TestApplyLeavesFileStillBeingWritten(t *testing.T) {
	fake := newFake()
	in := newIntake(t, fake)
	path := writeDrop(t, in.Dir, "probes.ndjson", fmt.Sprintf(firing, 1, 1, 1))
	fake.setBefore(func(model.Drop) error {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = fmt.Fprintf(f, firing, 2, 2, 2)
		return err
	})
	if _, err := in.Apply(t.Context(), "probes.ndjson"); !errors.Is(err, ErrChanging) {
		t.Fatalf("err = %v, want ErrChanging", err)
	}
	mustExist(t, path)
}

// TestApplyAfterCrashBetweenCommitAndMove: the commit that applied a drop
// also recorded its hash, so a crash before the move leaves the file in the
// drop folder, and the next attempt only moves it.
func TestApplyAfterCrashBetweenCommitAndMove(t *testing.T) {
	fake := newFake()
	in := newIntake(t, fake)
	writeDrop(t, in.Dir, "probe.json", fmt.Sprintf(firing, 1, 1, 1))
	crashed := errors.New("killed after commit")
	crashing := crashAfterCommit{fake, crashed}
	in.Ingester = crashing
	if _, err := in.Apply(t.Context(), "probe.json"); !errors.Is(err, crashed) {
		t.Fatalf("err = %v", err)
	}
	mustExist(t, filepath.Join(in.Dir, "probe.json"))

	in.Ingester = fake // the restarted process
	res, err := in.Apply(t.Context(), "probe.json")
	if err != nil || !res.Duplicate || res.MovedTo != filepath.Join(ProcessedDir, "probe.json") {
		t.Fatalf("result = %+v, err = %v", res, err)
	}
	if n := len(fake.drops()); n != 1 {
		t.Errorf("applied %d times, want once", n)
	}
}

// crashAfterCommit commits like its ingester and then fails as a process
// killed before it could move the file would.
type crashAfterCommit struct {
	model.Ingester
	err error
}

func (c crashAfterCommit) Ingest(ctx context.Context, a model.Actor, d model.Drop) (model.IngestResult, error) {
	if _, err := c.Ingester.Ingest(ctx, a, d); err != nil {
		return model.IngestResult{}, err
	}
	return model.IngestResult{}, c.err
}

func TestApplyRejectsUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every file")
	}
	fake := newFake()
	in := newIntake(t, fake)
	path := writeDrop(t, in.Dir, "secret.json", fmt.Sprintf(firing, 1, 1, 1))
	if err := os.Chmod(path, 0); err != nil {
		t.Fatal(err)
	}
	res, err := in.Apply(t.Context(), "secret.json")
	if err != nil || res.Rejected == nil {
		t.Fatalf("result = %+v, err = %v", res, err)
	}
	note := readText(t, filepath.Join(in.Dir, RejectedDir, "secret.json.error"))
	if !strings.Contains(note, "permission denied") || !strings.Contains(note, "make the file readable") {
		t.Errorf("sidecar:\n%s", note)
	}
}

// TestApplyCleansFileNames: a file name is outside text like any payload; it
// reaches the audit log and the footer only once cleaned.
func TestApplyCleansFileNames(t *testing.T) {
	fake := newFake()
	in := newIntake(t, fake)
	name := "\x1b]0;owned\x07probe\x1b[2J.json"
	writeDrop(t, in.Dir, name, fmt.Sprintf(firing, 1, 1, 1))
	res, err := in.Apply(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(res.File+res.MovedTo, "\x1b\x07") {
		t.Errorf("result carries escapes: %q %q", res.File, res.MovedTo)
	}
	if d := fake.drops(); len(d) != 1 || strings.ContainsAny(d[0].Name, "\x1b\x07") {
		t.Errorf("drop name %q", d[0].Name)
	}
	mustExist(t, filepath.Join(in.Dir, ProcessedDir, name)) // on disk it keeps its name
}
