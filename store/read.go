package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/rowcodec"
)

// The hot queries, kept as constants so the query-plan test explains exactly
// the text that runs. Each reads its ORDER BY off an index (see
// migrations/0001_init.sql); a filter narrows the walk but never forces a sort.
// The incident and alert lists bind ?1 to a filter's words and ?2 to its
// matchers, as JSON arrays (NULL for none; see filter.go).
const (
	incidentColumns = `id, kind, title, description, service, category, impact, urgency, priority, state,
	major, team, assignee, escalation, opened_at, updated_at, ack_at, resolved_at, resolve_due, resolution, reopens,
	respond_due, hold_reason, hold_since, paused_ms, satisfaction, merged_into, problem_id, sla_flags, level_since`

	// queueNarrow applies QueueQuery's field filters: ?6 priorities as bits
	// (1<<p, 0: any), ?7 major only, ?8 assignee (NULL: any), ?9 unassigned
	// only, ?10 states as bits (new 1, in progress 2, on hold 4; 0: any).
	queueNarrow = `(?6 = 0 OR (?6 >> priority) & 1) AND (NOT ?7 OR major) AND (?8 IS NULL OR assignee = ?8)
  AND (NOT ?9 OR assignee = '')
  AND (?10 = 0 OR ?10 & CASE state WHEN 'new' THEN 1 WHEN 'in_progress' THEN 2 WHEN 'on_hold' THEN 4 ELSE 8 END)`

	// queueTerms are a filter's words (?1) and field matchers (?2), each of
	// which must hold (see filter.go). Columns are named by table where
	// json_each has one of the same name (id).
	queueTerms = `(?1 IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(?1) w WHERE NOT coalesce(incidents.id IS w.value ->> 'id'
      OR title LIKE w.value ->> 'p' ESCAPE '\' OR service LIKE w.value ->> 'p' ESCAPE '\'
      OR assignee LIKE w.value ->> 'p' ESCAPE '\' OR team LIKE w.value ->> 'p' ESCAPE '\', 0)))
  AND (?2 IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(?2) m WHERE NOT hc_match(m.value ->> 'op', m.value ->> 'v',
      CASE m.value ->> 'l' WHEN 'service' THEN service WHEN 'category' THEN category WHEN 'team' THEN team
      WHEN 'assignee' THEN assignee WHEN 'kind' THEN kind END)))`

	// queueOpenSQL's "WHERE is_open" matches the partial index incidents_queue.
	queueOpenSQL = `SELECT ` + incidentColumns + ` FROM incidents
WHERE is_open
  AND ` + queueTerms + `
  AND (NOT ?5 OR sla_flags & 1 OR (sla_flags & 12 AND ack_at IS NULL))
  AND ` + queueNarrow + `
ORDER BY major DESC, priority, due_order, id
LIMIT ?3 OFFSET ?4`

	queueAllSQL = `SELECT ` + incidentColumns + ` FROM incidents
WHERE ` + queueTerms + `
  AND (NOT ?5 OR (is_open AND (sla_flags & 1 OR (sla_flags & 12 AND ack_at IS NULL))))
  AND ` + queueNarrow + `
ORDER BY opened_at DESC, id DESC
LIMIT ?3 OFFSET ?4`

	// The last two columns are the storm's size and firing members on the
	// row that stands for a storm, 0 elsewhere.
	alertColumns = `id, dedup_key, source, name, severity, state, service, summary, labels, annotations,
	starts_at, ends_at, first_seen, last_seen, count, deliveries, stale, ack_by, ack_at, ack_until, group_key, silenced_by,
	flapping, after_change, incident_id, truncated, storm_id,
	iif(storm_id IS NOT NULL AND storm_member = 0, (SELECT size FROM storms WHERE storms.id = alerts.storm_id), 0),
	iif(storm_id IS NOT NULL AND storm_member = 0, (SELECT firing FROM storms WHERE storms.id = alerts.storm_id), 0)`

	// feedFilter is the feed's FeedQuery conditions, shared by its forms:
	// the filter's words (feedWords: the first two as ?10 to ?13, the rest
	// ?1) and ?2 label matchers (see filter.go), each of which must hold,
	// and ?6 the conditions (FeedConditions) as bits: acked 1, silenced 2,
	// flapping 4, incident 8, stale 16.
	feedFilter = `
  AND (?10 IS NULL OR coalesce(alerts.id IS ?11 OR name LIKE ?10 ESCAPE '\' OR service LIKE ?10 ESCAPE '\'
      OR summary LIKE ?10 ESCAPE '\', 0))
  AND (?12 IS NULL OR coalesce(alerts.id IS ?13 OR name LIKE ?12 ESCAPE '\' OR service LIKE ?12 ESCAPE '\'
      OR summary LIKE ?12 ESCAPE '\', 0))
  AND (?1 IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(?1) w WHERE NOT coalesce(alerts.id IS w.value ->> 'id'
      OR name LIKE w.value ->> 'p' ESCAPE '\' OR service LIKE w.value ->> 'p' ESCAPE '\'
      OR summary LIKE w.value ->> 'p' ESCAPE '\', 0)))
  AND (?2 IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(?2) m WHERE NOT hc_match(m.value ->> 'op', m.value ->> 'v',
      iif(m.value ->> 'l' = 'service', service, json_extract(labels, m.value ->> 'path')))))
  AND ((?6 & 1) = 0 OR ack_by <> '') AND ((?6 & 2) = 0 OR silenced_by IS NOT NULL)
  AND ((?6 & 4) = 0 OR flapping) AND ((?6 & 8) = 0 OR incident_id IS NOT NULL)
  AND ((?6 & 16) = 0 OR (stale AND state = 'firing'))
`

	// The feed shows the alerts that are not storm members
	// (storm_member = 1): a storm's most pressing alert stands for them.
	// ?7 is 0 for those, the range of alerts_feed in feed order; a filter
	// looks at every alert, members too, so nothing it asks for hides
	// inside a storm: it reads the members' range (?7 = 1) as well and
	// Feed merges the two.
	feedSQL = `SELECT ` + alertColumns + ` FROM alerts
WHERE storm_member = ?7` + feedFilter + `
ORDER BY firing DESC, severity, last_seen DESC, id DESC
LIMIT ?3 OFFSET ?4`

	feedFiringSQL = `SELECT ` + alertColumns + ` FROM alerts
WHERE storm_member = ?7 AND firing = 1` + feedFilter + `
ORDER BY firing DESC, severity, last_seen DESC, id DESC
LIMIT ?3 OFFSET ?4`

	// feedMembersBoundSQL is a filter's walk through the storm members
	// (?7 = 1) as far as a page that is full already ends: when its last
	// row fires with severity ?14, a member that could still be on the
	// page fires with that severity or a more pressing one. The bound is
	// on the feed index's leading columns, so the walk seeks past the rest
	// rather than reading it (60,000 members in storms at 1M alerts).
	feedMembersBoundSQL = `SELECT ` + alertColumns + ` FROM alerts
WHERE storm_member = ?7 AND firing = 1 AND severity <= ?14` + feedFilter + `
ORDER BY firing DESC, severity, last_seen DESC, id DESC
LIMIT ?3 OFFSET ?4`

	// The same, for text whose candidates (alerttext.go) are few: each
	// read by id (CROSS JOIN keeps the candidates the outer loop, so the
	// feed index is never walked) and the window sorted. Every candidate
	// is looked at, storm member or not (?7 is not used).
	feedCandidatesSQL = `SELECT ` + alertColumns + ` FROM (` + alertTextCandidatesSQL + `) CROSS JOIN alerts ON alerts.id = cand
WHERE ?7 = ?7` + feedFilter + `
ORDER BY firing DESC, severity, last_seen DESC, id DESC
LIMIT ?3 OFFSET ?4`

	feedFiringCandidatesSQL = `SELECT ` + alertColumns + ` FROM (` + alertTextCandidatesSQL + `) CROSS JOIN alerts ON alerts.id = cand
WHERE ?7 = ?7 AND firing = 1` + feedFilter + `
ORDER BY firing DESC, severity, last_seen DESC, id DESC
LIMIT ?3 OFFSET ?4`

	// An expanded storm: all its alerts, firing first, then by severity,
	// then the latest, the order of the index alerts_storm.
	feedStormSQL = `SELECT ` + alertColumns + ` FROM alerts
WHERE storm_id = ?5` + feedFilter + `
ORDER BY firing DESC, severity, last_seen DESC, id DESC
LIMIT ?3 OFFSET ?4`

	alertHistorySQL = `SELECT at, state FROM alert_changes WHERE alert_id = ?1 ORDER BY at, rowid`

	// Silences with how many firing alerts each mutes now.
	silencesSQL = `SELECT id, matchers, author, comment, starts_at, ends_at, created_at,
	(SELECT count(*) FROM alerts WHERE alerts.silenced_by = silences.id AND alerts.state = 'firing')
FROM silences
WHERE ?1 IS NULL OR ends_at > ?1
ORDER BY id DESC`

	// Every figure is a counter kept by triggers (migrations 0001, 0017):
	// a session's refresh reads a handful of rows, never counts.
	countsSQL = `SELECT name, value FROM counters`

	auditSQL = `SELECT id, at, actor, action, entity, before_json, after_json FROM audit
WHERE at >= ?1
  AND (?2 IS NULL OR actor LIKE ?2 ESCAPE '\' OR action LIKE ?2 ESCAPE '\' OR entity LIKE ?2 ESCAPE '\')
  AND (?5 IS NULL OR action NOT IN (SELECT value FROM json_each(?5)))
ORDER BY at DESC, id DESC
LIMIT ?3 OFFSET ?4`

	servicesSQL = `SELECT id, name, tier, owner, environment, depends_on, version, platform, urls, rpo, rto
FROM services ORDER BY id`

	incidentSQL = `SELECT ` + incidentColumns + ` FROM incidents WHERE id = ?1`
	alertSQL    = `SELECT ` + alertColumns + ` FROM alerts WHERE id = ?1`
	timelineSQL = `SELECT id, incident_id, at, actor, kind, text FROM timeline WHERE incident_id = ?1 ORDER BY at, id`
)

// query runs a read on the query-only pool with a cached statement.
func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := db.readStmts.get(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (db *DB) queryRow(ctx context.Context, query string, args ...any) (*sql.Row, error) {
	st, err := db.readStmts.get(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryRowContext(ctx, args...), nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner = rowcodec.Row

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, err error, what string, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	return out, nil
}

// one scans a single-row lookup, mapping "no rows" to model.ErrNotFound
// under the record's reference.
func one[T any](row *sql.Row, err error, ref string, scan func(scanner) (T, error)) (T, error) {
	var zero T
	if err != nil {
		return zero, fmt.Errorf("read %s: %w", ref, err)
	}
	v, err := scan(row)
	if errors.Is(err, sql.ErrNoRows) {
		return zero, fmt.Errorf("%s: %w", ref, model.ErrNotFound)
	}
	if err != nil {
		return zero, fmt.Errorf("read %s: %w", ref, err)
	}
	return v, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// versionsSQL reads the parts' change counters (migration 0021).
var versionsSQL = rowcodec.VersionsSQL("c.value")

// Versions is model.Versioner: the parts' change counters.
func (db *DB) Versions(ctx context.Context) (model.Versions, error) {
	row, err := db.queryRow(ctx, versionsSQL)
	return one(row, err, "part versions", rowcodec.ScanVersions)
}

var _ model.Versioner = (*DB)(nil)

// Counts reads the header figures from the trigger-maintained counters.
func (db *DB) Counts(ctx context.Context) (model.Counts, error) {
	var c model.Counts
	rows, err := db.query(ctx, countsSQL)
	if err != nil {
		return c, fmt.Errorf("read counts: %w", err)
	}
	defer rows.Close()
	fields := map[string]*int{
		"firing": &c.Firing, "alerts": &c.Alerts, "incidents": &c.Incidents,
		"open_incidents": &c.OpenIncidents, "open_p1": &c.OpenP1, "open_p2": &c.OpenP2,
		"sla_at_risk": &c.SLAAtRisk,
	}
	for rows.Next() {
		var name string
		var value int
		if err := rows.Scan(&name, &value); err != nil {
			return c, fmt.Errorf("read counts: %w", err)
		}
		if p, ok := fields[name]; ok {
			*p = value
		}
	}
	if err := rows.Err(); err != nil {
		return c, fmt.Errorf("read counts: %w", err)
	}
	return c, nil
}

// Queue lists open incidents, most urgent first, or with q.All every
// incident, newest first.
func (db *DB) Queue(ctx context.Context, q model.QueueQuery) ([]model.Incident, error) {
	query := queueOpenSQL
	if q.All {
		query = queueAllSQL
	}
	var assignee any // NULL: not narrowed
	if q.Assignee != "" {
		assignee = q.Assignee
	}
	priorities, states := 0, 0
	for _, p := range q.Priorities {
		priorities |= 1 << p
	}
	stateBits := map[model.IncidentState]int{model.StateNew: 1, model.StateInProgress: 2, model.StateOnHold: 4}
	for _, st := range q.States {
		states |= stateBits[st] | 8*btoi(stateBits[st] == 0)
	}
	rows, err := db.query(ctx, query, wordTerms(q.Filter), matcherTerms(q.Fields), limit(q.Limit), offset(q.Offset), q.AtRisk,
		priorities, q.Major, assignee, q.Unassigned, states)
	return collect(rows, err, "incident queue", scanIncident)
}

// Feed lists alerts: firing first, then by severity, most recently seen
// first, a storm as one row; or, with q.Storm, the alerts of one storm.
func (db *DB) Feed(ctx context.Context, q model.FeedQuery) ([]model.Alert, error) {
	inline, rest := feedWords(q.Filter)
	words, labels := inline[0] != nil, matcherTerms(q.Labels)
	only := 0
	for _, c := range q.Only {
		bit := slices.Index(model.FeedConditions, c)
		if bit < 0 {
			return nil, fmt.Errorf("alert feed: unknown condition %q; use one of %s", c, strings.Join(model.FeedConditions, ", "))
		}
		only |= 1 << bit
	}
	filtered := words || labels != nil || only != 0 || q.Members
	// ?8 and ?9 are the text's candidates, for the statements that read
	// them (below).
	args := []any{rest, labels, limit(q.Limit), offset(q.Offset), q.Storm, only, 0, nil, nil, inline[0], inline[1], inline[2], inline[3]}
	query := feedSQL
	switch {
	case q.Storm != 0:
		rows, err := db.query(ctx, feedStormSQL, args...)
		return collect(rows, err, "alert feed", scanAlert)
	case q.Firing:
		query = feedFiringSQL
	}
	if words {
		// Text the index can answer, and few alerts that may match: read
		// those rather than walk the feed.
		match, ids, few, err := db.textCandidates(ctx, q.Filter)
		if err != nil {
			return nil, fmt.Errorf("read alert feed: %w", err)
		}
		if few {
			query = map[string]string{feedSQL: feedCandidatesSQL, feedFiringSQL: feedFiringCandidatesSQL}[query]
			args[7], args[8] = match, ids
			rows, err := db.query(ctx, query, args...)
			return collect(rows, err, "alert feed", scanAlert)
		}
	}
	if !filtered {
		rows, err := db.query(ctx, query, args...)
		return collect(rows, err, "alert feed", scanAlert)
	}
	// A filter walks both ranges, each in feed order as far as the page's
	// end, and merges them.
	end := offset(q.Offset) + limit(q.Limit)
	if limit(q.Limit) < 0 {
		end = -1 // no limit: every row
	}
	args[2], args[3] = end, 0
	rows, err := db.query(ctx, query, args...)
	heads, err := collect(rows, err, "alert feed", scanAlert)
	if err != nil {
		return nil, err
	}
	args[6] = 1
	if last := len(heads) - 1; end > 0 && last == end-1 && heads[last].State == model.AlertFiring && !heads[last].Stale {
		// The page is full of alerts that are no members: a member after
		// its last row in feed order cannot be on it.
		query, args = feedMembersBoundSQL, append(args, int(heads[last].Severity))
	}
	rows, err = db.query(ctx, query, args...)
	members, err := collect(rows, err, "alert feed", scanAlert)
	if err != nil {
		return nil, err
	}
	merged := mergeFeed(heads, members)
	if end < 0 {
		end = len(merged)
	}
	return merged[min(offset(q.Offset), len(merged)):min(end, len(merged))], nil
}

// feedBefore is the feed's order: firing first, then by severity, the
// latest seen, the newest.
func feedBefore(a, b model.Alert) int {
	firing := func(x model.Alert) int { return btoi(x.State == model.AlertFiring && !x.Stale) }
	return cmp.Or(cmp.Compare(firing(b), firing(a)), cmp.Compare(a.Severity, b.Severity),
		b.LastSeen.Compare(a.LastSeen), cmp.Compare(b.ID, a.ID))
}

// mergeFeed merges two lists in feed order.
func mergeFeed(a, b []model.Alert) []model.Alert {
	out := make([]model.Alert, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if feedBefore(b[0], a[0]) < 0 {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

// AlertHistory lists an alert's state changes, oldest first.
func (db *DB) AlertHistory(ctx context.Context, alertID int64) ([]model.AlertChange, error) {
	rows, err := db.query(ctx, alertHistorySQL, alertID)
	return collect(rows, err, "alert history", rowcodec.ScanAlertChange)
}

// Silences lists silences newest first with how many firing alerts each
// mutes: those not ended at activeAt, or all for the zero time.
func (db *DB) Silences(ctx context.Context, activeAt time.Time) ([]model.Silence, error) {
	rows, err := db.query(ctx, silencesSQL, ms(activeAt))
	return collect(rows, err, "silences", scanSilence)
}

// Services lists the service catalogue by id.
func (db *DB) Services(ctx context.Context) ([]model.Service, error) {
	rows, err := db.query(ctx, servicesSQL)
	return collect(rows, err, "services", rowcodec.ScanService)
}

// Audit lists audit entries newest first.
func (db *DB) Audit(ctx context.Context, q model.AuditQuery) ([]model.AuditEntry, error) {
	since := int64(math.MinInt64)
	if !q.Since.IsZero() {
		since = q.Since.UnixMilli()
	}
	pattern, _ := textFilter(q.Filter)
	var hide any
	if len(q.Hide) > 0 {
		b, err := json.Marshal(q.Hide)
		if err != nil {
			return nil, fmt.Errorf("audit log: %w", err)
		}
		hide = string(b)
	}
	rows, err := db.query(ctx, auditSQL, since, pattern, limit(q.Limit), offset(q.Offset), hide)
	return collect(rows, err, "audit log", rowcodec.ScanAuditEntry)
}

// Incident reads one incident.
func (db *DB) Incident(ctx context.Context, id int64) (model.Incident, error) {
	row, err := db.queryRow(ctx, incidentSQL, id)
	return one(row, err, fmt.Sprintf("INC-%d", id), scanIncident)
}

// Timeline lists an incident's history, oldest first.
func (db *DB) Timeline(ctx context.Context, incidentID int64) ([]model.TimelineEntry, error) {
	rows, err := db.query(ctx, timelineSQL, incidentID)
	return collect(rows, err, "timeline", rowcodec.ScanTimeline)
}

// Alert reads one alert.
func (db *DB) Alert(ctx context.Context, id int64) (model.Alert, error) {
	row, err := db.queryRow(ctx, alertSQL, id)
	return one(row, err, fmt.Sprintf("ALR-%d", id), scanAlert)
}

// alertFields are the scan targets of alertColumns: the columns both
// stores share, then the storm's size and firing members, two integers
// here (PostgreSQL reads them as one array).
func alertFields(a *model.Alert) []any {
	return append(rowcodec.AlertFields(a), &a.StormSize, &a.StormFiring)
}

func scanAlert(s scanner) (model.Alert, error) {
	var a model.Alert
	err := s.Scan(alertFields(&a)...)
	return a, err
}
