package pg

import (
	"context"
	"fmt"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/rowcodec"
)

// The certificates read from endpoints, the expiry warnings raised, and
// the open incidents on a set of services (migration 0011), as
// store/assets.go.
const (
	certificateColumns = `endpoint, name, service, subject, issuer, dns_names, serial, not_before, not_after,
	untrusted, checked_at, checked_by`

	certificateSQL  = `SELECT ` + certificateColumns + ` FROM certificates WHERE endpoint = $1`
	certificatesSQL = `SELECT ` + certificateColumns + ` FROM certificates ORDER BY endpoint`

	upsertCertificateSQL = `INSERT INTO certificates (` + certificateColumns + `)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (endpoint) DO UPDATE SET name = excluded.name, service = excluded.service, subject = excluded.subject,
	issuer = excluded.issuer, dns_names = excluded.dns_names, serial = excluded.serial, not_before = excluded.not_before,
	not_after = excluded.not_after, untrusted = excluded.untrusted, checked_at = excluded.checked_at,
	checked_by = excluded.checked_by`

	expiryNoticesSQL   = `SELECT key, expires_at, stage, alert_key, incident_id, raised_at FROM expiry_notices ORDER BY key`
	putExpiryNoticeSQL = `INSERT INTO expiry_notices (key, expires_at, stage, alert_key, incident_id, raised_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at, stage = excluded.stage,
	alert_key = excluded.alert_key, incident_id = excluded.incident_id, raised_at = excluded.raised_at`
	deleteExpiryNoticeSQL = `DELETE FROM expiry_notices WHERE key = $1`

	openIncidentsOnSQL = `SELECT ` + incidentColumns + ` FROM incidents
WHERE is_open AND service IN (SELECT jsonb_array_elements_text($1::jsonb))
ORDER BY priority, opened_at, id`
)

// Certificates lists the certificates read from live endpoints, by endpoint.
func (db *DB) Certificates(ctx context.Context) ([]model.Certificate, error) {
	rows, err := db.query(ctx, certificatesSQL)
	return collect(rows, err, "certificates", rowcodec.ScanCertificate)
}

// OpenIncidentsOn lists the open incidents and requests on any of the
// services, by priority then age.
func (db *DB) OpenIncidentsOn(ctx context.Context, services []string) ([]model.Incident, error) {
	if len(services) == 0 {
		return nil, nil
	}
	rows, err := db.query(ctx, openIncidentsOnSQL, jsonList(services))
	return collect(rows, err, "open incidents on services", scanIncident)
}

func (t *tx) Certificate(endpoint string) (model.Certificate, error) {
	c, err := rowcodec.ScanCertificate(t.queryRow(certificateSQL, endpoint))
	return c, found(err, "read certificate of %s", endpoint)
}

func (t *tx) UpsertCertificate(c model.Certificate) error {
	_, err := t.exec(upsertCertificateSQL, c.Endpoint, c.Name, c.Service, c.Subject, c.Issuer, jsonList(c.DNSNames),
		c.Serial, ms(c.NotBefore), ms(c.NotAfter), c.Untrusted, ms(c.CheckedAt), c.CheckedBy)
	if err != nil {
		return fmt.Errorf("store certificate of %s: %w", c.Endpoint, err)
	}
	return nil
}

func (t *tx) Certificates() ([]model.Certificate, error) {
	rows, err := t.query(certificatesSQL)
	return collect(rows, err, "certificates", rowcodec.ScanCertificate)
}

func (t *tx) ExpiryNotices() ([]model.ExpiryNotice, error) {
	rows, err := t.query(expiryNoticesSQL)
	return collect(rows, err, "expiry notices", rowcodec.ScanExpiryNotice)
}

func (t *tx) PutExpiryNotice(n model.ExpiryNotice) error {
	if _, err := t.exec(putExpiryNoticeSQL, n.Key, ms(n.Expires), n.Stage, n.AlertKey, nullID(n.IncidentID), ms(n.At)); err != nil {
		return fmt.Errorf("store expiry notice of %s: %w", n.Key, err)
	}
	return nil
}

func (t *tx) DeleteExpiryNotice(key string) error {
	if _, err := t.exec(deleteExpiryNoticeSQL, key); err != nil {
		return fmt.Errorf("delete expiry notice of %s: %w", key, err)
	}
	return nil
}
