package store

import (
	"strings"
	"testing"
)

// expectedIndex names the index each hot query must walk.
var expectedIndex = map[string]string{
	"queue":                        "INDEX incidents_queue",
	"queue filtered":               "INDEX incidents_queue",
	"queue at risk":                "INDEX incidents_queue",
	"queue all":                    "INDEX incidents_opened",
	"queue all filtered":           "INDEX incidents_opened",
	"feed":                         "INDEX alerts_feed (storm_member=?)",
	"feed filtered":                "INDEX alerts_feed (storm_member=?)",
	"feed filtered, storm members": "INDEX alerts_feed (storm_member=?)",
	"feed filtered, storm members to a full page": "INDEX alerts_feed (storm_member=? AND firing=? AND severity<?)",
	"feed firing":                      "INDEX alerts_feed (storm_member=? AND firing=?)",
	"feed firing filtered":             "INDEX alerts_feed (storm_member=? AND firing=?)",
	"feed storm":                       "INDEX alerts_storm",
	"feed text, few candidates":        "VIRTUAL TABLE INDEX",
	"feed firing text, few candidates": "VIRTUAL TABLE INDEX",
	"counts":                           "SCAN counters",
	"changes between":                  "INDEX changes_start",
	"next change":                      "INDEX changes_start",
	"articles by title":                "INDEX articles_title",
	"published articles by title":      "INDEX articles_published",
	"alert volume":                     "INTEGER PRIMARY KEY (rowid>?)",
	"handovers":                        "SCAN a",
	"article search":                   "VIRTUAL TABLE INDEX",
	"audit":                            "audit_at",
	"problems":                         "INDEX problems_list",
	"problem suggestions":              "COVERING INDEX incidents_recurrence",
	"training articles":                "INDEX articles_required",
	"training reads":                   "INDEX articles_required",
}

func TestHotQueryPlans(t *testing.T) {
	db := openTest(t)
	plans, err := db.ExplainHotQueries(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(plans) != len(expectedIndex) {
		t.Errorf("%d plans, %d expectations: keep expectedIndex in step with hotQueries", len(plans), len(expectedIndex))
	}
	for _, p := range plans {
		text := strings.Join(p.Steps, "\n")
		t.Logf("%s:\n%s", p.Name, text)
		if p.TempBTree() && !p.Window {
			t.Errorf("%s sorts in a temp B-tree:\n%s", p.Name, text)
		}
		if idx, ok := expectedIndex[p.Name]; !ok {
			t.Errorf("%s: no expectation", p.Name)
		} else if !strings.Contains(text, idx) {
			t.Errorf("%s does not use %s:\n%s", p.Name, idx, text)
		}
	}
}

func TestFTSQuery(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{" - : * ", ""},
		{"disk", `"disk"*`},
		{"disk full", `"disk" "full"*`},
		{`say "hi"`, `"say" """hi"""*`},
		{"title:lag", `"title:lag"*`},
		{"NOT", `"NOT"*`},
		// A last word of one or two letters is being typed: titles only.
		{"r", `title : "r"*`},
		{"disk fu", `"disk" title : "fu"*`},
		{"db -", `title : "db"*`},
		{"fu disk", `"fu" "disk"*`},
	} {
		if got := ftsQuery(tc.in); got != tc.want {
			t.Errorf("ftsQuery(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestFTSAnyQuery(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"on a", ""},
		{"Disk full on orders-db", `"Disk" OR "full" OR "orders-db"*`},
	} {
		if got := ftsAnyQuery(tc.in); got != tc.want {
			t.Errorf("ftsAnyQuery(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
