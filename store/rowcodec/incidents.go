package rowcodec

import "github.com/hypercare-ops/hypercare/model"

// IncidentFields are the scan targets of the stores' incidentColumns.
func IncidentFields(in *model.Incident) []any {
	return []any{&in.ID, &in.Kind, &in.Title, &in.Description, &in.Service, &in.Category,
		&in.Impact, &in.Urgency, &in.Priority, &in.State, &in.Major, &in.Team, &in.Assignee, &in.Escalation,
		Time(&in.OpenedAt), Time(&in.UpdatedAt), Time(&in.AckAt), Time(&in.ResolvedAt), Time(&in.ResolveDue),
		&in.Resolution, &in.Reopens,
		Time(&in.RespondDue), &in.HoldReason, Time(&in.HoldSince), Duration(&in.Paused), &in.Satisfaction,
		NullInt(&in.MergedInto), NullInt(&in.ProblemID), &in.SLAFlags, Time(&in.LevelSince)}
}

// ScanIncident scans the stores' incidentColumns.
func ScanIncident(row Row) (model.Incident, error) {
	var in model.Incident
	err := row.Scan(IncidentFields(&in)...)
	return in, err
}

// AlertFields are the scan targets of the stores' alertColumns up to the
// storm's id. What follows, the storm's size and firing members on the row
// that stands for a storm, each store reads its own way.
func AlertFields(a *model.Alert) []any {
	return []any{&a.ID, &a.DedupKey, &a.Source, &a.Name, &a.Severity, &a.State, &a.Service, &a.Summary,
		JSON(&a.Labels), JSON(&a.Annotations),
		Time(&a.StartsAt), Time(&a.EndsAt), Time(&a.FirstSeen), Time(&a.LastSeen),
		&a.Firings, &a.Deliveries, &a.Stale, &a.AckBy, Time(&a.AckAt), Time(&a.AckUntil), &a.Group, NullInt(&a.SilencedBy),
		&a.Flapping, NullInt(&a.AfterChange), NullInt(&a.IncidentID), &a.Truncated, NullInt(&a.StormID)}
}

// ScanAlertChange scans an alert_changes row: at, state.
func ScanAlertChange(row Row) (model.AlertChange, error) {
	var c model.AlertChange
	err := row.Scan(Time(&c.At), &c.State)
	return c, err
}

// ScanTimeline scans a timeline row: id, incident_id, at, actor, kind, text.
func ScanTimeline(row Row) (model.TimelineEntry, error) {
	var e model.TimelineEntry
	err := row.Scan(&e.ID, &e.IncidentID, Time(&e.At), &e.Actor, &e.Kind, &e.Text)
	return e, err
}

// ScanSilence scans the stores' silencesSQL: a silence with how many
// firing alerts it mutes.
func ScanSilence(row Row) (model.Silence, error) {
	var sil model.Silence
	var matchers string
	err := row.Scan(&sil.ID, &matchers, &sil.Author, &sil.Comment, Time(&sil.StartsAt), Time(&sil.EndsAt),
		Time(&sil.CreatedAt), &sil.Matching)
	if err != nil {
		return sil, err
	}
	sil.Matchers, err = DecodeMatchers(matchers)
	return sil, err
}

// ScanService scans the stores' servicesSQL.
func ScanService(row Row) (model.Service, error) {
	var sv model.Service
	err := row.Scan(&sv.ID, &sv.Name, &sv.Tier, &sv.Owner, &sv.Environment, JSON(&sv.DependsOn),
		&sv.Version, &sv.Platform, JSON(&sv.URLs), Duration(&sv.RPO), Duration(&sv.RTO))
	return sv, err
}

// ScanAuditEntry scans the stores' auditSQL.
func ScanAuditEntry(row Row) (model.AuditEntry, error) {
	var e model.AuditEntry
	err := row.Scan(&e.ID, Time(&e.At), &e.Actor, &e.Action, &e.Entity, &e.Before, &e.After)
	return e, err
}
