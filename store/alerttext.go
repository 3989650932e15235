package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// The feed's text filter at a million alerts. Without help a filter walks
// the feed index testing LIKE on every entry: quick when the text is common
// (the first page fills at once), half a second or more when few alerts or
// none match. alerts_text (migration 0016) holds the trigrams of every
// alert's name, service and summary; for text of three characters or more
// it names the few alerts that may match, and the feed reads just those,
// checks them with the same LIKE and sorts them. When they are many, the
// walk is the faster way and the feed takes it as before.
//
// The index is filled in batches by a goroutine of the DB (indexAlertText),
// outside every intake transaction; alerts it has not reached yet (after
// indexed_to, or changed since: alerts_text_dirty) are always candidates,
// so a filter never misses one.

const (
	// candidatesMax is where reading the candidates stops paying: each is
	// a row read by id (a few µs), while the walk reads at least
	// page·alerts/candidates index entries (under 1 µs each) to fill a
	// page, and more when fewer candidates hold the whole text than hold
	// its trigrams ("svc-07-11: 4": 2,171 alerts of a million hold the
	// first word's trigrams, 664 both words; the walk took half a second).
	candidatesMax = 5000

	// indexBatch bounds what a batch holds the writer for. The indexer
	// waits for the intake to go quiet for indexQuiet, so that a burst of
	// drops is not slowed by the index (FTS5 merges its segments as it
	// grows, the costliest part); under a flood that never goes quiet, it
	// indexes at the latest indexLatest after the first commit it has not
	// read, so what the filter reads directly stays bounded.
	indexBatch  = 2000
	indexQuiet  = time.Second
	indexLatest = 10 * time.Second

	// alertTextCandidatesSQL are the alerts that may contain the words
	// (?8): the index's answer, the alerts after what it has read, those
	// changed since it read them, and the alerts the words name by number
	// (?9, a JSON array).
	alertTextCandidatesSQL = `SELECT rowid AS cand FROM alerts_text WHERE alerts_text MATCH ?8
UNION SELECT id FROM alerts WHERE id > (SELECT indexed_to FROM alerts_text_state)
UNION SELECT alert_id FROM alerts_text_dirty
UNION SELECT value FROM json_each(?9)`

	// countTextCandidatesSQL counts the index's answer up to ?2, and what
	// it has not reached.
	countTextCandidatesSQL = `SELECT (SELECT count(*) FROM (SELECT rowid FROM alerts_text WHERE alerts_text MATCH ?1 LIMIT ?2))
	+ (SELECT ifnull(max(id), 0) FROM alerts) - (SELECT indexed_to FROM alerts_text_state)
	+ (SELECT count(*) FROM alerts_text_dirty)`

	// probeTermSQL counts the alerts holding a trigram in five windows of
	// ?7 ids starting at ?2 to ?6.
	probeTermSQL = `SELECT (SELECT count(*) FROM alerts_text WHERE alerts_text MATCH ?1 AND rowid > ?2 AND rowid <= ?2 + ?7)
	+ (SELECT count(*) FROM alerts_text WHERE alerts_text MATCH ?1 AND rowid > ?3 AND rowid <= ?3 + ?7)
	+ (SELECT count(*) FROM alerts_text WHERE alerts_text MATCH ?1 AND rowid > ?4 AND rowid <= ?4 + ?7)
	+ (SELECT count(*) FROM alerts_text WHERE alerts_text MATCH ?1 AND rowid > ?5 AND rowid <= ?5 + ?7)
	+ (SELECT count(*) FROM alerts_text WHERE alerts_text MATCH ?1 AND rowid > ?6 AND rowid <= ?6 + ?7)`
	indexedToSQL     = `SELECT indexed_to FROM alerts_text_state`
	indexUpToSQL     = `SELECT max(id) FROM (SELECT id FROM alerts WHERE id > ?1 ORDER BY id LIMIT ?2)`
	indexAlertsSQL   = `INSERT INTO alerts_text (rowid, text) SELECT id, name || ' ' || service || ' ' || summary FROM alerts WHERE id > ?1 AND id <= ?2`
	setIndexedToSQL  = `UPDATE alerts_text_state SET indexed_to = ?1`
	dirtyTextSQL     = `SELECT alert_id FROM alerts_text_dirty ORDER BY alert_id LIMIT ?1`
	unindexSQL       = `DELETE FROM alerts_text WHERE rowid IN (SELECT value FROM json_each(?1))`
	reindexAlertsSQL = `INSERT INTO alerts_text (rowid, text) SELECT id, name || ' ' || service || ' ' || summary FROM alerts WHERE id IN (SELECT value FROM json_each(?1))`
	cleanDirtySQL    = `DELETE FROM alerts_text_dirty WHERE alert_id IN (SELECT value FROM json_each(?1))`
)

// trigramTerms are the FTS5 terms for the alerts that may contain text:
// every three-character window of it, quoted; all of them must match (a
// text's trigrams are no phrase here: the index keeps no positions; the
// LIKE checks the order). None when the text is too short for the index to
// help. Long texts use at most a dozen windows, spread over it: they narrow
// enough.
func trigramTerms(text string) []string {
	runes := []rune(strings.TrimSpace(text))
	n := len(runes) - 2
	if n <= 0 {
		return nil
	}
	const most = 12
	step := 1
	if n > most {
		step = (n + most - 1) / most
	}
	var terms []string
	seen := map[string]bool{}
	for i := 0; i < n; i += step {
		t := strings.ToLower(string(runes[i : i+3]))
		if seen[t] {
			continue
		}
		seen[t] = true
		terms = append(terms, `"`+strings.ReplaceAll(t, `"`, `""`)+`"`)
	}
	return terms
}

// trigramQuery is trigramTerms as one FTS5 query, in the text's order.
func trigramQuery(text string) string { return strings.Join(trigramTerms(text), " AND ") }

// termSample is how many indexed alerts a trigram is counted among to
// rank it: a sample, in five windows spread over the index, that tells the
// rare from the everywhere ("svc", "ing") cheaply, however long its list.
// Spread, not the newest alone: those are often one storm's, and there
// "c-0" of "svc-07" looked rare while 79% of a million alerts held it. A
// variable only so that a test can sample less than it stores.
var termSample = 10000

// termWindows are where probeTermSQL counts, for an index of indexedTo
// alerts: five windows of width ids, spread over it (over all of it when
// it is smaller than the sample), and how many ids they span together.
func termWindows(indexedTo int64) (starts [5]int64, width, sampled int64) {
	sample := int64(termSample)
	if indexedTo <= sample {
		width = (indexedTo + 4) / 5
		for i := range starts {
			starts[i] = int64(i) * width
		}
		return starts, width, indexedTo
	}
	width = sample / 5
	for i := range starts {
		starts[i] = indexedTo*int64(2*i+1)/10 - width/2
	}
	return starts, width, 5 * width
}

// termCounts keeps what the probes found, a minute, for an index that has
// not grown by a twentieth since: a filtered feed asks again at every
// commit, and a word typed letter by letter asks for its trigrams again.
type termCounts struct {
	mu     sync.Mutex
	counts map[string]termCount
}

type termCount struct {
	n, indexedTo int64
	at           time.Time
}

func (c *termCounts) get(term string, indexedTo int64, now time.Time) (termCount, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	tc, ok := c.counts[term]
	if !ok || now.Sub(tc.at) > time.Minute || now.Before(tc.at) || indexedTo < tc.indexedTo || indexedTo-tc.indexedTo > indexedTo/20 {
		return termCount{}, false
	}
	return tc, true
}

func (c *termCounts) put(term string, tc termCount) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil || len(c.counts) >= 4096 {
		c.counts = map[string]termCount{}
	}
	c.counts[term] = tc
}

// textCandidates says whether the alerts that may hold every word of the
// filter are few enough to read one by one, with the FTS5 query that finds
// them and the alerts its words name by number (ALR-42: that alert may
// match by its number alone). Words under three characters, or that name
// a record, narrow nothing here; the feed's LIKE checks every word. The
// query takes the rarest trigrams first: an AND of lists found in nearly
// every alert costs their whole length, and started from a short one it
// skips through the rest.
func (db *DB) textCandidates(ctx context.Context, filter string) (match, ids string, few bool, err error) {
	var terms []string
	var named []int64
	for _, w := range strings.Fields(filter) {
		// A word like a record number ("ALR-42", or "svc-03" read as
		// one) matches that record or the text: the candidates are the
		// record and the alerts holding the text's trigrams. (Its
		// trigrams used to be left out; a filter of such words alone had
		// none, and walked the whole feed: half a second at 1M alerts.)
		if _, id := textFilter(w); id != nil {
			named = append(named, id.(int64))
		}
		for _, t := range trigramTerms(w) {
			if !slices.Contains(terms, t) {
				terms = append(terms, t)
			}
		}
	}
	if len(terms) == 0 {
		return "", "", false, nil
	}
	var indexedTo int64
	row, err := db.queryRow(ctx, indexedToSQL)
	if err == nil {
		err = row.Scan(&indexedTo)
	}
	if err != nil {
		return "", "", false, fmt.Errorf("count filter candidates: %w", err)
	}
	starts, width, sampled := termWindows(indexedTo)
	now := time.Now()
	sizes := make(map[string]int64, len(terms))
	for _, t := range terms {
		if tc, ok := db.terms.get(t, indexedTo, now); ok {
			sizes[t] = tc.n
			continue
		}
		row, err := db.queryRow(ctx, probeTermSQL, t, starts[0], starts[1], starts[2], starts[3], starts[4], width)
		if err != nil {
			return "", "", false, err
		}
		var n int64
		if err := row.Scan(&n); err != nil {
			return "", "", false, fmt.Errorf("count filter candidates: %w", err)
		}
		sizes[t] = n
		db.terms.put(t, termCount{n: n, indexedTo: indexedTo, at: now})
	}
	slices.SortStableFunc(terms, func(a, b string) int { return cmp.Compare(sizes[a], sizes[b]) })
	// A trigram most alerts hold narrows the candidates by less than half
	// and costs its whole list: "svc" and "vc-" of "svc-07-11" are in every
	// one of a million alerts, and reading them was most of 90 ms. Leave
	// those out, keeping the rarest term whatever it is; the LIKE checks
	// the whole text anyway.
	for len(terms) > 1 && sizes[terms[len(terms)-1]] > sampled/2 {
		terms = terms[:len(terms)-1]
	}
	match, ids = strings.Join(terms, " AND "), jsonIDs(named)
	if named == nil {
		ids = "[]"
	}
	row, err = db.queryRow(ctx, countTextCandidatesSQL, match, candidatesMax+1)
	if err != nil {
		return "", "", false, err
	}
	var n int
	if err := row.Scan(&n); err != nil {
		return "", "", false, fmt.Errorf("count filter candidates: %w", err)
	}
	return match, ids, n+len(named) <= candidatesMax, nil
}

// indexAlertText adds up to limit alerts to alerts_text, and indexes again
// up to limit alerts whose text changed, in one transaction on the writer.
// It tells no session: nothing they show changed. It reports how many
// alerts it indexed.
func (db *DB) indexAlertText(ctx context.Context, limit int) (int, error) {
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("index alert text: %w", err)
	}
	defer tx.Rollback()
	var from int64
	var upTo sql.NullInt64
	if err := tx.QueryRowContext(ctx, indexedToSQL).Scan(&from); err != nil {
		return 0, fmt.Errorf("index alert text: %w", err)
	}
	if err := tx.QueryRowContext(ctx, indexUpToSQL, from, limit).Scan(&upTo); err != nil {
		return 0, fmt.Errorf("index alert text: %w", err)
	}
	n := 0
	if upTo.Valid {
		res, err := tx.ExecContext(ctx, indexAlertsSQL, from, upTo.Int64)
		if err != nil {
			return 0, fmt.Errorf("index alert text: %w", err)
		}
		added, _ := res.RowsAffected()
		n += int(added)
		if _, err := tx.ExecContext(ctx, setIndexedToSQL, upTo.Int64); err != nil {
			return 0, fmt.Errorf("index alert text: %w", err)
		}
	}
	rows, err := tx.QueryContext(ctx, dirtyTextSQL, limit)
	if err != nil {
		return 0, fmt.Errorf("index alert text: %w", err)
	}
	var dirty []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("index alert text: %w", err)
		}
		dirty = append(dirty, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("index alert text: %w", err)
	}
	if len(dirty) > 0 {
		ids := jsonIDs(dirty)
		for _, q := range []string{unindexSQL, reindexAlertsSQL, cleanDirtySQL} {
			if _, err := tx.ExecContext(ctx, q, ids); err != nil {
				return 0, fmt.Errorf("index alert text: %w", err)
			}
		}
		n += len(dirty)
	}
	if n == 0 {
		return 0, nil
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("index alert text: %w", err)
	}
	return n, nil
}

// startIndexer keeps alerts_text up with the alerts until ctx ends: once
// the commits (this process's or another's) stop for indexQuiet, or at the
// latest indexLatest after the first of them, it indexes until nothing is
// left, a batch per transaction, so the intake waits for one batch at most.
func (db *DB) startIndexer(ctx context.Context) {
	commits, stop := db.subs.Subscribe()
	db.indexDone = make(chan struct{})
	go func() {
		defer close(db.indexDone)
		defer stop()
		quiet := time.NewTimer(0) // at start: what an upgrade or another process left
		defer quiet.Stop()
		var latest <-chan time.Time
		for {
			select {
			case <-ctx.Done():
				return
			case <-commits:
				quiet.Reset(indexQuiet)
				if latest == nil {
					latest = time.After(indexLatest)
				}
				continue
			case <-quiet.C:
			case <-latest:
			}
			quiet.Stop()
			latest = nil
			for {
				n, err := db.indexAlertText(ctx, indexBatch)
				if err != nil || n < indexBatch {
					// An error (a busy database) is tried again after the
					// next commit: the filter reads what is not indexed
					// directly.
					break
				}
				select {
				case <-ctx.Done():
					return
				default:
				}
			}
		}
	}()
}

// AlertTextBacklog is how many alerts the text index has still to read
// (new, or changed since): what a filter reads directly meanwhile. For
// benchmarks, which time the filter once the index has caught up.
func (db *DB) AlertTextBacklog(ctx context.Context) (int64, error) {
	var n int64
	err := db.readers.QueryRowContext(ctx, `SELECT (SELECT ifnull(max(id), 0) FROM alerts)
	- (SELECT indexed_to FROM alerts_text_state) + (SELECT count(*) FROM alerts_text_dirty)`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("alert text backlog: %w", err)
	}
	return n, nil
}
