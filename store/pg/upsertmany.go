package pg

import (
	"fmt"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/jackc/pgx/v5/pgconn"
)

// The upserts whose outcome the read-ahead knows go to the server as one
// statement per run of them (a drop's new alerts one after another, or its
// known ones), rather than one statement each: a statement's own cost on
// the server (executor start, protocol) is most of a small upsert's. New
// alerts are inserted (the read-ahead says they are not stored, and the
// write lock keeps it so: a clash fails the write); known ones are updated
// by the rules of upsertAlertInsert's DO UPDATE and WHERE, column for
// column, with the delivery's fields as d.*.

// deliveries is unnest of the columns of a run, one row a delivery.
const deliveries = `unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[],
	$9::text[], $10::text[], $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[], $15::text[], $16::boolean[], $17::bigint[])
	AS d(id, dedup_key, source, name, severity, state, service, summary, labels, annotations, starts_at, ends_at,
	first_seen, last_seen, group_key, stale, storm_id)`

const insertAlertsSQL = `INSERT INTO alerts (id, dedup_key, source, name, severity, state, service, summary, labels,
	annotations, starts_at, ends_at, first_seen, last_seen, group_key, count, storm_id, storm_member)
SELECT d.id, d.dedup_key, d.source, CASE WHEN d.name = '' THEN d.dedup_key ELSE d.name END,
	CASE WHEN d.severity = 0 THEN 2 ELSE d.severity END, d.state, d.service, d.summary, d.labels, d.annotations,
	CASE WHEN d.state = 'firing' THEN coalesce(d.starts_at, d.last_seen) ELSE d.starts_at END,
	CASE WHEN d.state = 'resolved' THEN coalesce(d.ends_at, d.last_seen) ELSE d.ends_at END,
	d.first_seen, d.last_seen, d.group_key, CASE WHEN d.state = 'firing' THEN 1 ELSE 0 END,
	d.storm_id, d.storm_id IS NOT NULL
FROM ` + deliveries

const updateAlertsSQL = `UPDATE alerts AS a SET
	prev_state  = a.state,
	state       = d.state,
	stale       = d.stale,
	source      = CASE WHEN d.source = '' THEN a.source ELSE d.source END,
	name        = CASE WHEN d.name = '' THEN a.name ELSE d.name END,
	severity    = CASE WHEN d.severity = 0 THEN a.severity ELSE d.severity END,
	service     = CASE WHEN d.service = '' THEN a.service ELSE d.service END,
	summary     = CASE WHEN d.summary = '' THEN a.summary ELSE d.summary END,
	labels      = CASE WHEN d.labels = '{}' THEN a.labels ELSE d.labels END,
	annotations = CASE WHEN d.annotations = '{}' THEN a.annotations ELSE d.annotations END,
	group_key   = CASE WHEN d.group_key = '' THEN a.group_key ELSE d.group_key END,
	starts_at   = CASE WHEN a.state = 'resolved' AND d.state = 'firing' THEN coalesce(d.starts_at, d.last_seen)
	                   ELSE coalesce(d.starts_at, a.starts_at) END,
	ends_at     = CASE WHEN d.state = 'firing' THEN d.ends_at WHEN a.state = 'resolved' THEN coalesce(d.ends_at, a.ends_at)
	                   ELSE coalesce(d.ends_at, d.last_seen) END,
	last_seen   = greatest(a.last_seen, d.last_seen),
	count       = a.count + CASE WHEN a.state = 'resolved' AND d.state = 'firing' THEN 1 ELSE 0 END,
	deliveries  = a.deliveries + 1,
	ack_by      = CASE WHEN a.state = 'resolved' AND d.state = 'firing' THEN '' ELSE a.ack_by END,
	ack_at      = CASE WHEN a.state = 'resolved' AND d.state = 'firing' THEN NULL ELSE a.ack_at END,
	ack_until   = CASE WHEN a.state = 'resolved' AND d.state = 'firing' THEN NULL ELSE a.ack_until END
FROM ` + deliveries + `
WHERE a.dedup_key = d.dedup_key AND (a.stale OR NOT coalesce(
	CASE WHEN d.state = 'firing' THEN d.starts_at ELSE d.ends_at END
	  < CASE WHEN a.state = 'firing' THEN a.starts_at ELSE a.ends_at END
	OR (d.state = 'firing' AND a.state = 'resolved' AND d.starts_at = a.ends_at), false))`

// maxRun bounds the deliveries of one statement.
const maxRun = 64

// run is the open run of upserts, new alerts or known ones, as columns.
type run struct {
	known bool // updates of stored alerts; else inserts of new ones

	ids                                              []int64
	keys, sources, names                             []string
	severities                                       []int32
	states, services, summaries, labels, annotations []string
	startsAt, endsAt                                 []*int64
	firstSeen, lastSeen                              []int64
	groups                                           []string
	stale                                            []bool
	storms                                           []*int64
}

// addRun adds an upsert whose outcome is known to the open run, opening
// one (and queueing the one open before) when it is of the other kind or
// full.
func (t *tx) addRun(known bool, id int64, a *model.Alert, firstSeen time.Time) {
	t.statements++
	if t.run != nil && (t.run.known != known || len(t.run.ids) >= maxRun) {
		t.closeRun()
	}
	if t.run == nil {
		t.run = &run{known: known}
	}
	r := t.run
	r.ids = append(r.ids, id)
	r.keys = append(r.keys, a.DedupKey)
	r.sources = append(r.sources, a.Source)
	r.names = append(r.names, a.Name)
	r.severities = append(r.severities, int32(a.Severity))
	r.states = append(r.states, string(a.State))
	r.services = append(r.services, a.Service)
	r.summaries = append(r.summaries, a.Summary)
	r.labels = append(r.labels, jsonMap(a.Labels))
	r.annotations = append(r.annotations, jsonMap(a.Annotations))
	r.startsAt = append(r.startsAt, msPtr(a.StartsAt))
	r.endsAt = append(r.endsAt, msPtr(a.EndsAt))
	r.firstSeen = append(r.firstSeen, firstSeen.UnixMilli())
	r.lastSeen = append(r.lastSeen, a.LastSeen.UnixMilli())
	r.groups = append(r.groups, a.Group)
	r.stale = append(r.stale, a.Stale)
	var storm *int64
	if a.StormID != 0 {
		s := a.StormID
		storm = &s
	}
	r.storms = append(r.storms, storm)
}

// closeRun queues the open run's statement, if a run is open, with a check
// that it hit every alert of the run.
func (t *tx) closeRun() {
	r := t.run
	if r == nil {
		return
	}
	t.run = nil
	query := insertAlertsSQL
	if r.known {
		query = updateAlertsSQL
	}
	n := len(r.ids)
	what := fmt.Sprintf("upsert alert %q", r.keys[0])
	if n > 1 {
		what = fmt.Sprintf("upsert alerts %s", strings.Join(quoteAll(r.keys[:min(n, 3)]), ", "))
		if n > 3 {
			what += fmt.Sprintf(" and %d more", n-3)
		}
	}
	t.later(what, func(tag pgconn.CommandTag) error {
		if tag.RowsAffected() != int64(n) {
			return fmt.Errorf("%s: %d of %d stored as their read-ahead said", what, tag.RowsAffected(), n)
		}
		return nil
	}, query, r.ids, r.keys, r.sources, r.names, r.severities, r.states, r.services, r.summaries, r.labels, r.annotations,
		r.startsAt, r.endsAt, r.firstSeen, r.lastSeen, r.groups, r.stale, r.storms)
	t.weight += n - 1 // later counted the statement once
}

func quoteAll(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = fmt.Sprintf("%q", k)
	}
	return out
}

// msPtr is ms for an array element: nil for the zero time.
func msPtr(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	v := t.UnixMilli()
	return &v
}
