package rowcodec

import "github.com/hypercare-ops/hypercare/model"

// ProblemArgs are the 16 parameters of the stores' insertProblemSQL and
// updateProblemSQL.
func ProblemArgs(p *model.Problem) []any {
	return []any{p.Title, p.Service, p.Category, string(p.State), p.Owner, p.Description,
		Millis(p.CreatedAt), Millis(p.UpdatedAt), Millis(p.ResolvedAt), p.RCA.Timeline, JSONList(p.RCA.Whys), p.RCA.Factors,
		p.KnownError.Symptom, p.KnownError.RootCause, p.KnownError.Workaround, NullID(p.KnownError.Article)}
}

// ScanProblem scans the stores' problemColumns and the two counts beside
// them.
func ScanProblem(row Row) (model.Problem, error) {
	var p model.Problem
	err := row.Scan(&p.ID, &p.Title, &p.Service, &p.Category, &p.State, &p.Owner, &p.Description,
		Time(&p.CreatedAt), Time(&p.UpdatedAt), Time(&p.ResolvedAt),
		&p.RCA.Timeline, JSON(&p.RCA.Whys), &p.RCA.Factors,
		&p.KnownError.Symptom, &p.KnownError.RootCause, &p.KnownError.Workaround, NullInt(&p.KnownError.Article),
		&p.Incidents, &p.OpenActions)
	return p, err
}

// ScanProblemAction scans the stores' problemActionColumns.
func ScanProblemAction(row Row) (model.ProblemAction, error) {
	var a model.ProblemAction
	err := row.Scan(&a.ID, &a.ProblemID, &a.Text, &a.Owner, Time(&a.Due), &a.Done, Time(&a.DoneAt), Time(&a.CreatedAt))
	return a, err
}

// ScanRecurrenceCandidate scans the stores' candidateColumns: what the
// recurrence rule reads of an incident.
func ScanRecurrenceCandidate(row Row) (model.Incident, error) {
	var in model.Incident
	err := row.Scan(&in.ID, &in.Kind, &in.Service, &in.Category, &in.Priority, &in.State, Time(&in.OpenedAt))
	return in, err
}
