package rowcodec

import "github.com/hypercare-ops/hypercare/model"

// ScanChange scans the stores' changeColumns, the whole record.
func ScanChange(row Row) (model.Change, error) {
	var c model.Change
	err := row.Scan(&c.ID, &c.Title, JSON(&c.Services), &c.Type, &c.State, &c.Impact, &c.Probability, &c.Risk,
		&c.Requester, &c.Implementer, Time(&c.Start), Time(&c.End), &c.Description, &c.Backout, &c.TestPlan,
		NullInt(&c.Incident), NullInt(&c.Problem), &c.Reason, &c.Round, &c.CloseCode, Time(&c.Created))
	return c, err
}

// ScanChangeListing scans the stores' changeListColumns, what lists show.
func ScanChangeListing(row Row) (model.Change, error) {
	var c model.Change
	err := row.Scan(&c.ID, &c.Title, JSON(&c.Services), &c.Type, &c.State, &c.Risk, &c.Implementer,
		Time(&c.Start), Time(&c.End), &c.Reason, &c.CloseCode)
	return c, err
}

// ScanApproval scans a change_approvals row: round, approver, approve,
// comment, at.
func ScanApproval(row Row) (model.ChangeApproval, error) {
	var a model.ChangeApproval
	err := row.Scan(&a.Round, &a.Approver, &a.Approve, &a.Comment, Time(&a.At))
	return a, err
}

// ScanChangeEvent scans a change_events row: at, actor, kind, text.
func ScanChangeEvent(row Row) (model.ChangeEvent, error) {
	var e model.ChangeEvent
	err := row.Scan(Time(&e.At), &e.Actor, &e.Kind, &e.Text)
	return e, err
}

// ScanChangeIncident scans the link's kind followed by the incident.
func ScanChangeIncident(row Row) (model.ChangeIncident, error) {
	var ci model.ChangeIncident
	err := row.Scan(append([]any{&ci.Kind}, IncidentFields(&ci.Incident)...)...)
	return ci, err
}

// ScanChangeCause scans the stores' changeCausesSQL: change, incident,
// its priority and when it opened.
func ScanChangeCause(row Row) (model.ChangeCause, error) {
	var c model.ChangeCause
	err := row.Scan(&c.ChangeID, &c.IncidentID, &c.Priority, Time(&c.OpenedAt))
	return c, err
}

// ScanDeploy scans the stores' deployColumns.
func ScanDeploy(row Row) (model.Deploy, error) {
	var d model.Deploy
	err := row.Scan(&d.ID, &d.Service, &d.Key, &d.Version, &d.By, Time(&d.Start), Time(&d.End), &d.Status, &d.URL,
		NullInt(&d.Named), NullInt(&d.ChangeID), &d.Unauthorised, &d.Note, Time(&d.Recorded), Time(&d.Updated))
	return d, err
}

// ScanLink scans the stores' linksSQL: an incident's link with the title
// of what it links to.
func ScanLink(row Row) (model.IncidentLink, error) {
	var l model.IncidentLink
	err := row.Scan(&l.IncidentID, &l.Kind, &l.Target, Time(&l.At), &l.Actor, &l.Title)
	return l, err
}
