package rowcodec

import "github.com/hypercare-ops/hypercare/model"

// ScanCertificate scans the stores' certificateColumns.
func ScanCertificate(row Row) (model.Certificate, error) {
	var c model.Certificate
	err := row.Scan(&c.Endpoint, &c.Name, &c.Service, &c.Subject, &c.Issuer, JSON(&c.DNSNames), &c.Serial,
		Time(&c.NotBefore), Time(&c.NotAfter), &c.Untrusted, Time(&c.CheckedAt), &c.CheckedBy)
	return c, err
}

// ScanExpiryNotice scans an expiry_notices row: key, expires_at, stage,
// alert_key, incident_id, raised_at.
func ScanExpiryNotice(row Row) (model.ExpiryNotice, error) {
	var n model.ExpiryNotice
	err := row.Scan(&n.Key, Time(&n.Expires), &n.Stage, &n.AlertKey, NullInt(&n.IncidentID), Time(&n.At))
	return n, err
}
