package rowcodec

import (
	"testing"

	"github.com/hypercare-ops/hypercare/model"
)

func TestStored(t *testing.T) {
	marks := model.Alert{SilencedBy: 3, Flapping: true, AfterChange: 4, IncidentID: 5, Truncated: 6, StormID: 7}
	for _, tc := range []struct {
		name    string
		in      model.Alert
		known   bool
		state   model.AlertState
		changes int
		want    model.Alert
		up      model.Upserted
	}{
		{"new, name and severity left empty", model.Alert{DedupKey: "k", State: model.AlertFiring, IncidentID: 9, StormID: 2},
			false, "", 0, model.Alert{DedupKey: "k", Name: "k", Severity: model.SevWarning, State: model.AlertFiring, StormID: 2},
			model.Upserted{New: true, Changed: true, Changes: 1}},
		{"new, named", model.Alert{DedupKey: "k", Name: "DiskFull", Severity: model.SevCritical, State: model.AlertFiring},
			false, "", 0, model.Alert{DedupKey: "k", Name: "DiskFull", Severity: model.SevCritical, State: model.AlertFiring},
			model.Upserted{New: true, Changed: true, Changes: 1}},
		{"known, same state", model.Alert{DedupKey: "k", State: model.AlertFiring},
			true, model.AlertFiring, 2, model.Alert{DedupKey: "k", State: model.AlertFiring, SilencedBy: 3, Flapping: true, AfterChange: 4, IncidentID: 5, Truncated: 6, StormID: 7},
			model.Upserted{}},
		{"known, state changed", model.Alert{DedupKey: "k", State: model.AlertResolved},
			true, model.AlertFiring, 2, model.Alert{DedupKey: "k", State: model.AlertResolved, SilencedBy: 3, Flapping: true, AfterChange: 4, IncidentID: 5, Truncated: 6, StormID: 7},
			model.Upserted{Changed: true, Changes: 3}},
	} {
		a := tc.in
		up := Stored(&a, tc.known, marks, tc.state, tc.changes)
		if up != tc.up {
			t.Errorf("%s: %+v; want %+v", tc.name, up, tc.up)
		}
		if a.Name != tc.want.Name || a.Severity != tc.want.Severity || a.SilencedBy != tc.want.SilencedBy || a.Flapping != tc.want.Flapping ||
			a.AfterChange != tc.want.AfterChange || a.IncidentID != tc.want.IncidentID || a.Truncated != tc.want.Truncated || a.StormID != tc.want.StormID {
			t.Errorf("%s: alert %+v; want %+v", tc.name, a, tc.want)
		}
	}
}
