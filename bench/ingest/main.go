// Command ingest measures alert intake through the real path against raw
// SQL, side by side in the same run (issue 17's budget: the real path at
// ≥ 0.3× the raw upsert into a minimal table, at 1M alerts stored).
//
// Each run, at each stored size, times three things on fresh copies of the
// same stored data:
//
//   - raw minimal: the run's alert rows upserted into a table with only the
//     alert's columns and its key, already holding a copy of the stored
//     alerts, one prepared statement, one transaction per 10,000 rows;
//   - raw schema: the same rows, the same way, into hypercare's own alerts
//     table (its triggers and indexes) in a copy of the stored database;
//   - real path: the run's files (Alertmanager webhooks of -alerts alerts,
//     made by bench/rig's Gen: resolves, new alerts, storms and incidents
//     opened by the example plan's routes) renamed into a watched drop
//     folder as fast as possible, from the first rename until the watcher
//     has applied the last file — reading, parsing, the service layer, the
//     store, and the moves to processed/ included.
//
// Both raw baselines open the database with store.WriterDSN: the store's
// own driver and every one of its pragmas. The raw rows are parsed before
// the clock starts; the real path parses as part of its work.
//
//	go run ./bench/ingest -bases /tmp/perf                 # 0, 100k and 1M stored
//	go run ./bench/ingest -stored 0 -runs 3 -cpuprofile cpu.out
//	go run ./bench/ingest -db postgres://… -stored 0,1000000 -runs 3
//
// With -db the three are measured on PostgreSQL (postgres.go).
//
// Stored databases are filled through the real path once (bench/rig.Fill,
// as bench/gendb does) and kept in -bases as base-N.db and minimal-N.db;
// every run works on a copy.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hypercare-ops/hypercare/bench/rig"
	"github.com/hypercare-ops/hypercare/store"
	"github.com/hypercare-ops/hypercare/store/drops"
	"github.com/hypercare-ops/hypercare/store/pg"
)

type config struct {
	stored     []int
	bases      string
	files      int
	alerts     int
	runs       int
	cpuprofile string
	db         string // postgres://…: measure on PostgreSQL
}

func main() {
	var cfg config
	stored := flag.String("stored", "0,100000,1000000", "stored alert counts to measure at, comma separated")
	flag.StringVar(&cfg.bases, "bases", "", "folder keeping the filled databases between invocations (default: a temporary folder)")
	flag.IntVar(&cfg.files, "files", 200, "files per run")
	flag.IntVar(&cfg.alerts, "alerts", 100, "alerts per file")
	flag.IntVar(&cfg.runs, "runs", 5, "runs at each stored size")
	flag.StringVar(&cfg.cpuprofile, "cpuprofile", "", "write a CPU profile of the real-path runs to this file")
	flag.StringVar(&cfg.db, "db", "", "a PostgreSQL database (postgres://…) to measure on, in schemas of its own, instead of SQLite files")
	flag.Parse()
	if cfg.db != "" && !pg.IsURL(cfg.db) {
		fmt.Fprintln(os.Stderr, "bench/ingest: -db takes a postgres:// URL; without it the runs use SQLite files")
		os.Exit(2)
	}
	for _, s := range strings.Split(*stored, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 0 {
			fmt.Fprintf(os.Stderr, "bench/ingest: -stored %q: want counts like 0,100000,1000000\n", *stored)
			os.Exit(2)
		}
		cfg.stored = append(cfg.stored, n)
	}
	if err := run(context.Background(), cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench/ingest:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config) error {
	work, err := os.MkdirTemp(cfg.bases, "bench-ingest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	bases := cfg.bases
	if bases == "" {
		bases = work
	}
	var prof *os.File
	if cfg.db != "" {
		return runPostgres(ctx, cfg, bases, work)
	}
	if cfg.cpuprofile != "" {
		if prof, err = os.Create(cfg.cpuprofile); err != nil {
			return err
		}
		defer prof.Close()
	}
	fmt.Printf("machine: %s\n", rig.Machine())
	fmt.Printf("each run: %d files of %d alerts (Alertmanager; resolves, new alerts, storms, routed incidents), renamed in at once\n\n", cfg.files, cfg.alerts)
	for _, n := range cfg.stored {
		base, minimal, err := ensureBases(ctx, bases, n)
		if err != nil {
			return err
		}
		var rawMin, rawSchema, real, ratios, cpuRatios []float64
		for r := range cfg.runs {
			load := rig.Load()
			// Every run gets files of its own, so each is all news to the
			// store, as live traffic is.
			g := &rig.Gen{Alerts: cfg.alerts, Prefix: fmt.Sprintf("r%d", r)}
			files := g.Files(cfg.files)
			rows, err := parseAll(files)
			if err != nil {
				return err
			}
			c0 := cpuTime()
			m, err := timeRaw(ctx, filepath.Join(work, "raw-min.db"), minimal, rows, minimalUpsert)
			if err != nil {
				return fmt.Errorf("raw minimal: %w", err)
			}
			c1 := cpuTime()
			s, err := timeRaw(ctx, filepath.Join(work, "raw-schema.db"), base, rows, schemaUpsert)
			if err != nil {
				return fmt.Errorf("raw schema: %w", err)
			}
			c2 := cpuTime()
			if prof != nil && r == 0 && n == cfg.stored[0] {
				if err := pprof.StartCPUProfile(prof); err != nil {
					return err
				}
			}
			p, burstCPU, err := timeReal(ctx, filepath.Join(work, "real"), base, files, len(rows))
			if prof != nil {
				pprof.StopCPUProfile()
			}
			if err != nil {
				return fmt.Errorf("real path: %w", err)
			}
			rawMin, rawSchema, real = append(rawMin, m), append(rawSchema, s), append(real, p)
			ratios = append(ratios, p/m)
			// CPU time per alert says what the work costs whatever else
			// the machine runs (for the real path, of both its goroutines
			// from the first rename to the last file applied, so parsing
			// on the second core counts too); a diagnostic, not the budget.
			perAlert := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(len(rows)) }
			cm, cs, cp := perAlert(c1-c0), perAlert(c2-c1), perAlert(burstCPU)
			cpuRatios = append(cpuRatios, cm/cp)
			fmt.Printf("stored %7d run %d (%s): raw minimal %7.0f/s  raw schema %7.0f/s  real path %7.0f/s = %.2f× raw minimal, %.2f× raw schema; CPU µs/alert %.1f, %.1f, %.1f\n",
				n, r+1, load, m, s, p, p/m, p/s, cm, cs, cp)
		}
		fmt.Printf("stored %7d, %d runs, alerts/s min/median/max:\n", n, cfg.runs)
		fmt.Printf("  raw minimal  %s\n", spread(rawMin))
		fmt.Printf("  raw schema   %s\n", spread(rawSchema))
		fmt.Printf("  real path    %s\n", spread(real))
		verdict := "MET"
		if median(ratios) < 0.3 {
			verdict = "NOT MET"
		}
		fmt.Printf("  real ÷ raw minimal per run: %s (budget ≥ 0.30×: %s); %s now\n", spreadX(ratios), verdict, rig.Load())
		fmt.Printf("  by CPU time per alert instead: %s\n\n", spreadX(cpuRatios))
	}
	return nil
}

// ensureBases returns the stored databases for n alerts, filling them
// through the real path the first time.
func ensureBases(ctx context.Context, dir string, n int) (base, minimal string, err error) {
	base = filepath.Join(dir, fmt.Sprintf("base-%d.db", n))
	minimal = filepath.Join(dir, fmt.Sprintf("minimal-%d.db", n))
	if _, err := os.Stat(base); err != nil {
		fmt.Printf("filling %s with %d alerts through the real path…\n", base, n)
		start := time.Now()
		tmp := base + ".filling"
		os.Remove(tmp)
		if n > 0 {
			if _, err := rig.Fill(ctx, tmp, n, 100, nil); err != nil {
				return "", "", err
			}
		} else if err := createEmpty(ctx, tmp); err != nil {
			return "", "", err
		}
		if err := os.Rename(tmp, base); err != nil {
			return "", "", err
		}
		fmt.Printf("  filled in %v\n", time.Since(start).Round(time.Second))
	}
	if err := rig.Upgrade(ctx, base); err != nil {
		return "", "", err
	}
	if _, err := os.Stat(minimal); err != nil {
		tmp := minimal + ".filling"
		os.Remove(tmp)
		if err := fillMinimal(ctx, tmp, base); err != nil {
			return "", "", err
		}
		if err := os.Rename(tmp, minimal); err != nil {
			return "", "", err
		}
	}
	return base, minimal, nil
}

func createEmpty(ctx context.Context, path string) error {
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return err
	}
	return db.Close()
}

// minimalSchema is an alert's columns, its id and its unique key: no other
// index, no trigger.
const minimalSchema = `CREATE TABLE alerts (
	id INTEGER PRIMARY KEY, dedup_key TEXT NOT NULL UNIQUE, source TEXT NOT NULL, name TEXT NOT NULL,
	severity INTEGER NOT NULL, state TEXT NOT NULL, service TEXT NOT NULL, summary TEXT NOT NULL,
	labels TEXT NOT NULL, annotations TEXT NOT NULL, starts_at INTEGER, ends_at INTEGER,
	first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, group_key TEXT NOT NULL, count INTEGER NOT NULL DEFAULT 1)`

// The raw upserts: the same statement shape for both tables, the fields a
// delivery brings, a count of deliveries.
const (
	minimalUpsert = `INSERT INTO alerts (dedup_key, source, name, severity, state, service, summary, labels,
	annotations, starts_at, ends_at, first_seen, last_seen, group_key)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13)
ON CONFLICT (dedup_key) DO UPDATE SET state = excluded.state, ends_at = excluded.ends_at,
	last_seen = excluded.last_seen, count = count + 1`
	schemaUpsert = minimalUpsert
)

// fillMinimal makes the minimal table at path holding base's stored
// alerts, their keys and fields as they are: the run's deliveries then find
// the same alerts to update, and their new keys land among stored keys of
// the same kind, in the minimal table as in hypercare's own.
func fillMinimal(ctx context.Context, path, base string) error {
	db, err := sql.Open("sqlite", store.WriterDSN(path))
	if err != nil {
		return err
	}
	defer db.Close()
	// One connection: ATTACH holds for the connection that ran it.
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, minimalSchema); err != nil {
		return err
	}
	// immutable: a read-only attach of a WAL database would still leave
	// -wal and -shm files beside base, which copies of it refuse.
	if _, err := db.ExecContext(ctx, "ATTACH DATABASE ? AS base", "file:"+base+"?immutable=1"); err != nil {
		return err
	}
	const columns = `id, dedup_key, source, name, severity, state, service, summary, labels, annotations,
	starts_at, ends_at, first_seen, last_seen, group_key, count`
	if _, err := db.ExecContext(ctx, "INSERT INTO alerts ("+columns+") SELECT "+columns+" FROM base.alerts ORDER BY id"); err != nil {
		return fmt.Errorf("copy %s's alerts: %w", base, err)
	}
	if _, err := db.ExecContext(ctx, "DETACH DATABASE base"); err != nil {
		return err
	}
	return db.Close()
}

// row is one delivery as the raw baselines write it.
type row struct {
	key, source, name, state, service, summary, labels, annotations, group string
	severity                                                               int
	startsAt, endsAt                                                       int64
}

func parseAll(files []rig.File) ([]row, error) {
	var rows []row
	for _, f := range files {
		b, err := drops.Parse(f.Name, f.Data, drops.DefaultLimits())
		if err != nil {
			return nil, err
		}
		for _, e := range b.Events {
			a := e.Alert
			labels, _ := json.Marshal(a.Labels)
			ann, _ := json.Marshal(a.Annotations)
			r := row{key: a.DedupKey, source: a.Source, name: a.Name, severity: int(a.Severity), state: string(a.State),
				service: a.Service, summary: a.Summary, labels: string(labels), annotations: string(ann), group: b.Group}
			if !a.StartsAt.IsZero() {
				r.startsAt = a.StartsAt.UnixMilli()
			}
			if !a.EndsAt.IsZero() {
				r.endsAt = a.EndsAt.UnixMilli()
			}
			rows = append(rows, r)
		}
	}
	return rows, nil
}

// timeRaw copies base to path and times upserting rows into it, in
// transactions of 10,000 rows, on a connection opened with the store's DSN.
func timeRaw(ctx context.Context, path, base string, rows []row, query string) (float64, error) {
	if err := rig.Copy(base, path); err != nil {
		return 0, err
	}
	defer os.Remove(path)
	db, err := sql.Open("sqlite", store.WriterDSN(path))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		return 0, err
	}
	start := time.Now()
	for i := 0; i < len(rows); i += 10_000 {
		if err := upsert(ctx, db, rows[i:min(len(rows), i+10_000)], query); err != nil {
			return 0, err
		}
	}
	took := time.Since(start)
	return float64(len(rows)) / took.Seconds(), db.Close()
}

func upsert(ctx context.Context, db *sql.DB, rows []row, query string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return err
	}
	now := time.Now().UnixMilli()
	for _, r := range rows {
		if _, err := st.ExecContext(ctx, r.key, r.source, r.name, r.severity, r.state, r.service, r.summary,
			r.labels, r.annotations, nullable(r.startsAt), nullable(r.endsAt), now, r.group); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func nullable(ms int64) any {
	if ms == 0 {
		return nil
	}
	return ms
}

// timeReal copies base, starts the real intake on it, and times the files
// from the first rename until the last is applied.
func timeReal(ctx context.Context, root, base string, files []rig.File, want int) (rate float64, cpu time.Duration, err error) {
	os.RemoveAll(root)
	if err := os.MkdirAll(root, 0o755); err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(root)
	path := filepath.Join(root, "hypercare.db")
	if err := rig.Copy(base, path); err != nil {
		return 0, 0, err
	}
	r, err := rig.Start(ctx, path, root, nil)
	if err != nil {
		return 0, 0, err
	}
	if err := r.Stage(files); err != nil {
		r.Close()
		return 0, 0, err
	}
	c0 := cpuTime()
	took, results, err := r.Burst(files, 10*time.Minute)
	cpu = cpuTime() - c0
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, 0, err
	}
	applied := 0
	for _, res := range results {
		applied += res.Alerts
	}
	if applied != want {
		return 0, 0, fmt.Errorf("applied %d alerts, want %d", applied, want)
	}
	return float64(want) / took.Seconds(), cpu, nil
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	return s[len(s)/2]
}

func spread(xs []float64) string {
	s := slices.Sorted(slices.Values(xs))
	return fmt.Sprintf("%7.0f / %7.0f / %7.0f", s[0], median(xs), s[len(s)-1])
}

func spreadX(xs []float64) string {
	s := slices.Sorted(slices.Values(xs))
	return fmt.Sprintf("%.2f× / %.2f× / %.2f×", s[0], median(xs), s[len(s)-1])
}
