package pg

import (
	"context"
	"fmt"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/rowcodec"
)

// Links between incidents and changes or articles (migration 0003), and the
// alerts attached to an incident, as store/links.go.
const (
	insertLinkSQL = `INSERT INTO incident_links (incident_id, kind, target, at, actor) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT DO NOTHING`

	// A merge moves the duplicate's links, skipping ones the survivor has
	// (SQLite's UPDATE OR IGNORE).
	moveLinksSQL = `UPDATE incident_links l SET incident_id = $2 WHERE l.incident_id = $1
AND NOT EXISTS (SELECT 1 FROM incident_links s WHERE s.incident_id = $2 AND s.kind = l.kind AND s.target = l.target)`
	moveAlertsSQL = `UPDATE alerts SET incident_id = $2 WHERE incident_id = $1`

	linksSQL = `SELECT l.incident_id, l.kind, l.target, l.at, l.actor,
	coalesce(CASE WHEN l.kind = 'article' THEN a.title ELSE c.title END, '')
FROM incident_links l
LEFT JOIN changes c ON l.kind <> 'article' AND c.id = l.target
LEFT JOIN articles a ON l.kind = 'article' AND a.id = l.target
WHERE l.incident_id = $1
ORDER BY l.kind = 'article', l.at, l.target`

	incidentAlertsSQL = `SELECT ` + alertColumns + ` FROM alerts a WHERE a.incident_id = $1
ORDER BY a.last_seen DESC, a.id DESC LIMIT $2`
)

func (t *tx) InsertLink(l model.IncidentLink) error {
	if _, err := t.exec(insertLinkSQL, l.IncidentID, string(l.Kind), l.Target, ms(l.At), l.Actor); err != nil {
		return fmt.Errorf("link INC-%d to %s: %w", l.IncidentID, l.Ref(), err)
	}
	return nil
}

func (t *tx) LinksOf(incidentID int64) ([]model.IncidentLink, error) {
	rows, err := t.query(linksSQL, incidentID)
	return collect(rows, err, "links", rowcodec.ScanLink)
}

func (t *tx) MoveIncidentLinks(from, to int64) (int, error) {
	var n int64
	for _, q := range []string{moveAlertsSQL, moveLinksSQL} {
		tag, err := t.exec(q, from, to)
		if err != nil {
			return 0, fmt.Errorf("move links from INC-%d to INC-%d: %w", from, to, err)
		}
		n += tag.RowsAffected()
	}
	return int(n), nil
}

// Links lists an incident's links with their targets' titles.
func (db *DB) Links(ctx context.Context, incidentID int64) ([]model.IncidentLink, error) {
	rows, err := db.query(ctx, linksSQL, incidentID)
	return collect(rows, err, "links", rowcodec.ScanLink)
}

// IncidentAlerts lists the alerts attached to an incident, newest first.
func (db *DB) IncidentAlerts(ctx context.Context, incidentID int64, n int) ([]model.Alert, error) {
	rows, err := db.query(ctx, incidentAlertsSQL, incidentID, limit(n))
	return collect(rows, err, "incident alerts", scanAlert)
}
