package store

import (
	"strings"
	"testing"
)

// TestDeployReadsUseTheirIndexes: the calendar and the report read deploys
// by time, a change's detail by change; neither scans the table.
func TestDeployReadsUseTheirIndexes(t *testing.T) {
	db := openTest(t)
	for query, idx := range map[string]string{
		deploysBetweenSQL: "deploys_start",
		changeDeploysSQL:  "deploys_change",
		deployByKeySQL:    "deploys_key",
	} {
		steps, err := db.explain(t.Context(), query, 1, 2)
		if err != nil {
			t.Fatal(err)
		}
		if text := strings.Join(steps, "\n"); !strings.Contains(text, "INDEX "+idx) {
			t.Errorf("%s\ndoes not use %s:\n%s", query, idx, text)
		}
	}
}
