package pg

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/rowcodec"
	"github.com/jackc/pgx/v5"
)

// The hot queries, as store/read.go has them for SQLite: constants, so the
// plan test explains exactly the text that runs. Each reads its ORDER BY
// off an index (migrations/0001_init.sql); a filter narrows the walk but
// never forces a sort. The incident and alert lists bind $1 to a filter's
// words and $2 to its matchers, as JSON arrays (NULL for none; filter.go).
const (
	incidentColumns = `id, kind, title, description, service, category, impact, urgency, priority, state,
	major, team, assignee, escalation, opened_at, updated_at, ack_at, resolved_at, resolve_due, resolution, reopens,
	respond_due, hold_reason, hold_since, paused_ms, satisfaction, merged_into, problem_id, sla_flags, level_since`

	// incidentFilter is a filter's words ($1) and field matchers ($2), each
	// of which must hold, for the queue's two forms.
	incidentFilter = `($1::jsonb IS NULL OR NOT EXISTS (SELECT 1 FROM jsonb_array_elements($1::jsonb) w WHERE NOT coalesce(
      incidents.id = (w ->> 'id')::bigint OR title ILIKE w ->> 'p' ESCAPE '\' OR service ILIKE w ->> 'p' ESCAPE '\'
      OR assignee ILIKE w ->> 'p' ESCAPE '\' OR team ILIKE w ->> 'p' ESCAPE '\', false)))
  AND ($2::jsonb IS NULL OR NOT EXISTS (SELECT 1 FROM jsonb_array_elements($2::jsonb) m WHERE NOT (` + incidentMatch + `)))`

	incidentMatch = `CASE m ->> 'op' WHEN '=' THEN coalesce(` + incidentField + `, '') = m ->> 'v'
	WHEN '!=' THEN coalesce(` + incidentField + `, '') <> m ->> 'v'
	WHEN '=~' THEN coalesce(` + incidentField + `, '') ~ (m ->> 're')
	ELSE coalesce(` + incidentField + `, '') !~ (m ->> 're') END`
	incidentField = `CASE m ->> 'l' WHEN 'service' THEN service WHEN 'category' THEN category WHEN 'team' THEN team
	WHEN 'assignee' THEN assignee WHEN 'kind' THEN kind END`

	// atRisk is Incident.AtRisk as the SLA sweep's flags record it.
	atRisk = `(sla_flags & 1 <> 0 OR (sla_flags & 12 <> 0 AND ack_at IS NULL))`

	// queueNarrow applies QueueQuery's field filters: $6 priorities as bits
	// (1<<p, 0: any), $7 major only, $8 assignee (NULL: any), $9 unassigned
	// only, $10 states as bits (new 1, in progress 2, on hold 4; 0: any).
	queueNarrow = `($6::int = 0 OR ($6::int >> priority) & 1 = 1) AND (NOT $7::boolean OR major)
  AND ($8::text IS NULL OR assignee = $8::text) AND (NOT $9::boolean OR assignee = '')
  AND ($10::int = 0 OR $10::int & CASE state WHEN 'new' THEN 1 WHEN 'in_progress' THEN 2 WHEN 'on_hold' THEN 4 ELSE 8 END <> 0)`

	// queueOpenSQL's "WHERE is_open" matches the partial index incidents_queue.
	queueOpenSQL = `SELECT ` + incidentColumns + ` FROM incidents
WHERE is_open AND ` + incidentFilter + `
  AND (NOT $5::boolean OR ` + atRisk + `)
  AND ` + queueNarrow + `
ORDER BY major DESC, priority, due_order, id
LIMIT $3 OFFSET $4`

	queueAllSQL = `SELECT ` + incidentColumns + ` FROM incidents
WHERE ` + incidentFilter + `
  AND (NOT $5::boolean OR (is_open AND ` + atRisk + `))
  AND ` + queueNarrow + `
ORDER BY opened_at DESC, id DESC
LIMIT $3 OFFSET $4`

	// The last column is the storm's size and firing members on the row
	// that stands for a storm, NULL elsewhere: one look-up of the storm a
	// row, which is most of what a feed page reads. Every query names the
	// alerts table a.
	alertColumns = `a.id, a.dedup_key, a.source, a.name, a.severity, a.state, a.service, a.summary, a.labels,
	a.annotations, a.starts_at, a.ends_at, a.first_seen, a.last_seen, a.count, a.deliveries, a.stale, a.ack_by, a.ack_at,
	a.ack_until, a.group_key, a.silenced_by, a.flapping, a.after_change, a.incident_id, a.truncated, a.storm_id,
	CASE WHEN a.storm_id IS NOT NULL AND NOT a.storm_member THEN (SELECT ARRAY[s.size, s.firing] FROM storms s WHERE s.id = a.storm_id) END`

	// feedFilter is the feed's FeedQuery conditions, shared by its three
	// forms: $1 words and $2 label matchers (filter.go), each of which must
	// hold, and $5 the conditions (FeedConditions) as bits: acked 1,
	// silenced 2, flapping 4, incident 8, stale 16.
	feedFilter = `
  AND ($1::jsonb IS NULL OR NOT EXISTS (SELECT 1 FROM jsonb_array_elements($1::jsonb) w WHERE NOT coalesce(
      a.id = (w ->> 'id')::bigint OR a.name ILIKE w ->> 'p' ESCAPE '\' OR a.service ILIKE w ->> 'p' ESCAPE '\'
      OR a.summary ILIKE w ->> 'p' ESCAPE '\', false)))
  AND ($2::jsonb IS NULL OR NOT EXISTS (SELECT 1 FROM jsonb_array_elements($2::jsonb) m WHERE NOT (` + alertMatch + `)))
  AND ($5::int & 1 = 0 OR a.ack_by <> '') AND ($5::int & 2 = 0 OR a.silenced_by IS NOT NULL)
  AND ($5::int & 4 = 0 OR a.flapping) AND ($5::int & 8 = 0 OR a.incident_id IS NOT NULL)
  AND ($5::int & 16 = 0 OR (a.stale AND a.state = 'firing'))
`
	alertMatch = `CASE m ->> 'op' WHEN '=' THEN coalesce(` + alertLabel + `, '') = m ->> 'v'
	WHEN '!=' THEN coalesce(` + alertLabel + `, '') <> m ->> 'v'
	WHEN '=~' THEN coalesce(` + alertLabel + `, '') ~ (m ->> 're')
	ELSE coalesce(` + alertLabel + `, '') !~ (m ->> 're') END`
	// "service" is the alert's service; any other label is read from its labels.
	alertLabel = `CASE WHEN m ->> 'l' = 'service' THEN a.service ELSE a.labels::jsonb ->> (m ->> 'l') END`

	// The feed hides storm members: their storm's most pressing alert
	// stands for them, and the rows it shows are one range of alerts_feed
	// (storm_member first, migration 0018), in feed order. A filter (or
	// Members) looks at every alert, members too (feedAllSQL), so nothing
	// a filter asks for hides inside a storm.
	feedSQL = `SELECT ` + alertColumns + ` FROM alerts a
WHERE NOT a.storm_member` + feedFilter + `
ORDER BY a.firing DESC, a.severity, a.last_seen DESC, a.id DESC
LIMIT $3 OFFSET $4`

	feedFiringSQL = `SELECT ` + alertColumns + ` FROM alerts a
WHERE a.firing AND NOT a.storm_member` + feedFilter + `
ORDER BY a.firing DESC, a.severity, a.last_seen DESC, a.id DESC
LIMIT $3 OFFSET $4`

	// An expanded storm ($6): all its alerts in the order of alerts_storm.
	feedStormSQL = `SELECT ` + alertColumns + ` FROM alerts a
WHERE a.storm_id = $6::bigint` + feedFilter + `
ORDER BY a.firing DESC, a.severity, a.last_seen DESC, a.id DESC
LIMIT $3 OFFSET $4`

	alertHistorySQL = `SELECT at, state FROM alert_changes WHERE alert_id = $1 ORDER BY at, seq`

	// Silences with how many firing alerts each mutes now.
	silencesSQL = `SELECT id, matchers, author, comment, starts_at, ends_at, created_at,
	(SELECT count(*) FROM alerts WHERE alerts.silenced_by = silences.id AND alerts.state = 'firing')
FROM silences
WHERE $1::bigint IS NULL OR ends_at > $1::bigint
ORDER BY id DESC`

	// Every figure, sla_at_risk included (migration 0017), is a counter.
	countsSQL = `SELECT c.name, ` + counterValue + ` FROM counters c`

	auditSQL = `SELECT id, at, actor, action, entity, before_json, after_json FROM audit
WHERE at >= $1
  AND ($2::text IS NULL OR actor ILIKE $2 ESCAPE '\' OR action ILIKE $2 ESCAPE '\' OR entity ILIKE $2 ESCAPE '\')
  AND ($5::text[] IS NULL OR action <> ALL ($5::text[]))
ORDER BY at DESC, id DESC
LIMIT $3 OFFSET $4`

	servicesSQL = `SELECT id, name, tier, owner, environment, depends_on, version, platform, urls, rpo, rto
FROM services ORDER BY id`

	incidentSQL = `SELECT ` + incidentColumns + ` FROM incidents WHERE id = $1`
	alertSQL    = `SELECT ` + alertColumns + ` FROM alerts a WHERE a.id = $1`
	timelineSQL = `SELECT id, incident_id, at, actor, kind, text FROM timeline WHERE incident_id = $1 ORDER BY at, id`
)

// The filtered feed: members too (see feedSQL).
var (
	feedAllSQL       = feedMerged("", "")
	feedFiringAllSQL = feedMerged("a.firing AND ", "")
	// With the trigram index (migration 0019), a text filter's longest
	// word ($6, and $7 when it is a record number too) narrows the alerts
	// through alertText first, for the planner to take the index for text
	// few alerts hold; feedFilter checks every word exactly. Indexed by
	// [firing][word is a number].
	feedTextSQL = [2][2]string{
		{feedMerged("", textCond), feedMerged("", textIDCond)},
		{feedMerged("a.firing AND ", textCond), feedMerged("a.firing AND ", textIDCond)},
	}
)

const (
	// alertText is the expression the trigram index holds.
	alertText  = `(a.name || ' ' || a.service || ' ' || a.summary)`
	textCond   = `  AND ` + alertText + ` ILIKE $6::text`
	textIDCond = `  AND (` + alertText + ` ILIKE $6::text OR a.id = $7::bigint)`
)

// feedMerged is the feed with storm members, narrowed by cond and extra:
// the storm heads' range of alerts_feed and the members' range, each
// walked in feed order only as far as the page needs, merged, then read
// whole. One ORDER BY over both ranges would sort every alert the filter
// matches.
func feedMerged(cond, extra string) string {
	part := func(member string) string {
		return `(SELECT a.id FROM alerts a WHERE ` + cond + member + `a.storm_member` + feedFilter + extra + `
	ORDER BY a.firing DESC, a.severity, a.last_seen DESC, a.id DESC LIMIT $3::bigint + $4::bigint)`
	}
	return `SELECT ` + alertColumns + ` FROM alerts a
WHERE a.id IN (` + part("NOT ") + ` UNION ALL ` + part("") + `)
ORDER BY a.firing DESC, a.severity, a.last_seen DESC, a.id DESC
LIMIT $3 OFFSET $4`
}

// versionsSQL reads the parts' change counters (migration 0021), their
// deltas folded in.
var versionsSQL = rowcodec.VersionsSQL(counterValue)

// Versions is model.Versioner: the parts' change counters.
func (db *DB) Versions(ctx context.Context) (model.Versions, error) {
	return one(db.queryRow(ctx, versionsSQL), "part versions", rowcodec.ScanVersions)
}

var _ model.Versioner = (*DB)(nil)

// Counts reads the header figures from the trigger-maintained counters.
func (db *DB) Counts(ctx context.Context) (model.Counts, error) {
	var c model.Counts
	fields := map[string]*int{
		"firing": &c.Firing, "alerts": &c.Alerts, "incidents": &c.Incidents,
		"open_incidents": &c.OpenIncidents, "open_p1": &c.OpenP1, "open_p2": &c.OpenP2,
		"sla_at_risk": &c.SLAAtRisk,
	}
	type counter struct {
		name  string
		value int
	}
	rows, err := db.query(ctx, countsSQL)
	list, err := collect(rows, err, "counts", func(s scanner) (counter, error) {
		var ct counter
		return ct, s.Scan(&ct.name, &ct.value)
	})
	for _, ct := range list {
		if p, ok := fields[ct.name]; ok {
			*p = ct.value
		}
	}
	return c, err
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
		if stateBits[st] == 0 {
			states |= 8
		}
		states |= stateBits[st]
	}
	rows, err := db.query(ctx, query, wordTerms(q.Filter), matcherTerms(q.Fields), limit(q.Limit), offset(q.Offset), q.AtRisk,
		priorities, q.Major, assignee, q.Unassigned, states)
	return collect(rows, err, "incident queue", scanIncident)
}

// Feed lists alerts: firing first, then by severity, most recently seen
// first, a storm as one row; or, with q.Storm, the alerts of one storm.
func (db *DB) Feed(ctx context.Context, q model.FeedQuery) ([]model.Alert, error) {
	words, labels := wordTerms(q.Filter), matcherTerms(q.Labels)
	only := 0
	for _, c := range q.Only {
		bit := slices.Index(model.FeedConditions, c)
		if bit < 0 {
			return nil, fmt.Errorf("alert feed: unknown condition %q; use one of %s", c, strings.Join(model.FeedConditions, ", "))
		}
		only |= 1 << bit
	}
	args := []any{words, labels, limit(q.Limit), offset(q.Offset), only}
	all := words != nil || labels != nil || only != 0 || q.Members
	query := feedSQL
	switch {
	case q.Storm != 0:
		query, args = feedStormSQL, append(args, q.Storm)
	case q.Firing && all:
		query = feedFiringAllSQL
	case q.Firing:
		query = feedFiringSQL
	case all:
		query = feedAllSQL
	}
	if words != nil && q.Storm == 0 && db.trigrams {
		// Planned for these words each time (an unnamed statement): the
		// index serves rare text, the walk in feed order common text.
		p, id := textFilter(longestWord(q.Filter))
		firing, number := 0, 0
		if q.Firing {
			firing = 1
		}
		args = append([]any{pgx.QueryExecModeExec}, append(args, p)...)
		if id != nil {
			number, args = 1, append(args, id)
		}
		query = feedTextSQL[firing][number]
	}
	rows, err := db.query(ctx, query, args...)
	return collect(rows, err, "alert feed", scanAlert)
}

// longestWord is the filter's longest word, the one fewest alerts hold.
func longestWord(filter string) string {
	var w string
	for _, f := range strings.Fields(filter) {
		if len(f) > len(w) {
			w = f
		}
	}
	return w
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
	var hide any // NULL: nothing left out
	if len(q.Hide) > 0 {
		hide = q.Hide
	}
	rows, err := db.query(ctx, auditSQL, since, pattern, limit(q.Limit), offset(q.Offset), hide)
	return collect(rows, err, "audit log", rowcodec.ScanAuditEntry)
}

// Incident reads one incident.
func (db *DB) Incident(ctx context.Context, id int64) (model.Incident, error) {
	return one(db.queryRow(ctx, incidentSQL, id), fmt.Sprintf("INC-%d", id), scanIncident)
}

// Timeline lists an incident's history, oldest first.
func (db *DB) Timeline(ctx context.Context, incidentID int64) ([]model.TimelineEntry, error) {
	rows, err := db.query(ctx, timelineSQL, incidentID)
	return collect(rows, err, "timeline", rowcodec.ScanTimeline)
}

// Alert reads one alert.
func (db *DB) Alert(ctx context.Context, id int64) (model.Alert, error) {
	return one(db.queryRow(ctx, alertSQL, id), fmt.Sprintf("ALR-%d", id), scanAlert)
}

// scanAlert scans alertColumns: the columns both stores share, then the
// storm's size and firing members as one array, NULL on rows that stand
// for no storm (SQLite reads them as two integers).
func scanAlert(s scanner) (model.Alert, error) {
	var a model.Alert
	var storm []int32 // size, firing
	err := s.Scan(append(rowcodec.AlertFields(&a), &storm)...)
	if len(storm) == 2 {
		a.StormSize, a.StormFiring = int(storm[0]), int(storm[1])
	}
	return a, err
}
