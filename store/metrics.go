package store

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// incidentsSinceSQL reads what the metrics need in three disjoint parts,
// each served by an index: the open records (the partial index
// incidents_queue), the others opened since ?1 (incidents_opened), and the
// others opened before but resolved since (incidents_resolved). Written as
// one OR, SQLite would scan the whole table instead; and an ORDER BY on the
// compound makes it walk each part in that order, which is a scan too, so
// the rows are sorted here.
const incidentsSinceSQL = `SELECT ` + incidentColumns + ` FROM incidents
WHERE is_open
UNION ALL
SELECT ` + incidentColumns + ` FROM incidents
WHERE opened_at >= ?1 AND NOT is_open
UNION ALL
SELECT ` + incidentColumns + ` FROM incidents
WHERE resolved_at >= ?1 AND opened_at < ?1 AND NOT is_open`

// IncidentsSince lists every incident and request opened or resolved at or
// after since, and every one still open, by opening time.
func (db *DB) IncidentsSince(ctx context.Context, since time.Time) ([]model.Incident, error) {
	rows, err := db.query(ctx, incidentsSinceSQL, since.UnixMilli())
	list, err := collect(rows, err, "incidents for metrics", scanIncident)
	slices.SortFunc(list, func(a, b model.Incident) int {
		return cmp.Or(a.OpenedAt.Compare(b.OpenedAt), cmp.Compare(a.ID, b.ID))
	})
	return list, err
}
