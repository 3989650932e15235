package store

import (
	"strings"
	"testing"
	"time"
)

// TestIncidentsSincePlan checks each part of the metrics read walks an
// index: the read is not per frame, but the resolved records of a long
// hypercare are many, and a scan would read all of them on every refresh.
func TestIncidentsSincePlan(t *testing.T) {
	db := openTest(t)
	steps, err := db.explain(t.Context(), incidentsSinceSQL, time.Now().UnixMilli())
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(steps, "\n")
	for _, idx := range []string{"incidents_queue", "incidents_opened", "incidents_resolved"} {
		if !strings.Contains(text, "INDEX "+idx) {
			t.Errorf("plan does not use %s:\n%s", idx, text)
		}
	}
	for _, s := range steps {
		if strings.Contains(s, "incidents") && !strings.Contains(s, "INDEX") {
			t.Errorf("plan reads incidents without an index: %q\n%s", s, text)
		}
	}
}
