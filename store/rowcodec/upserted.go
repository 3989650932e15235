package rowcodec

import "github.com/hypercare-ops/hypercare/model"

// Stored is what a store's upsert made of a delivery a, as
// model.Tx.UpsertAlert reports it, for a store that read the alert ahead:
// known is false for a new alert, which the insert gave its name (the dedup
// key) and severity (warning) when the delivery left them empty, and no
// marks but the storm it was written into; a known one keeps its marks
// (SilencedBy, Flapping, AfterChange, IncidentID, Truncated, StormID of
// marks) and changed if its state did, after changes earlier ones.
func Stored(a *model.Alert, known bool, marks model.Alert, state model.AlertState, changes int) model.Upserted {
	if !known {
		if a.Name == "" {
			a.Name = a.DedupKey
		}
		if a.Severity == 0 {
			a.Severity = model.SevWarning
		}
		a.SilencedBy, a.Flapping, a.AfterChange, a.IncidentID, a.Truncated = 0, false, 0, 0, 0
		return model.Upserted{New: true, Changed: true, Changes: 1}
	}
	a.SilencedBy, a.Flapping, a.AfterChange = marks.SilencedBy, marks.Flapping, marks.AfterChange
	a.IncidentID, a.Truncated, a.StormID = marks.IncidentID, marks.Truncated, marks.StormID
	if state == a.State {
		return model.Upserted{}
	}
	return model.Upserted{Changed: true, Changes: changes + 1}
}
