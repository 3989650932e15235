package plan

import (
	"testing"

	"github.com/BurntSushi/toml"
)

func TestScanLines(t *testing.T) {
	src := `# comment with [brackets] and "quotes"
title = "a [not a table] \"x\" # not a comment"   # 2
[hypercare]
start = 2026-11-19 08:00:00
business = { days = ["mon", "tue"], start = "08:00" }

[[service]]                                        # 7
id = "a"
maintenance = [
  { days = ["sun"], start = "02:00" },             # 10
  # a comment between elements
  { days = ["sat"],
    start = "03:00" },                             # 13
]
[[service]]                                        # 15
id = 'b'
notes = """
multi-line ] } [ "" "
text"""
runbooks = ["x",
  "y"]                                             # 21
[[service.maintenance]]                            # 22
days = ["wed"]
[ sla . "P1" ]                                     # 24
respond.value = "15m"
[[service]]                                        # 26
dotted.key = 1
`
	want := map[string]int{
		"title":                           2,
		"hypercare":                       3,
		"hypercare.start":                 4,
		"hypercare.business.days[2]":      5,
		"hypercare.business.start":        5,
		"service":                         7,
		"service[1]":                      7,
		"service[1].id":                   8,
		"service[1].maintenance":          9,
		"service[1].maintenance[1]":       10,
		"service[1].maintenance[1].days":  10,
		"service[1].maintenance[2]":       12,
		"service[1].maintenance[2].start": 13,
		"service[2]":                      15,
		"service[2].id":                   16,
		"service[2].notes":                17,
		"service[2].runbooks[2]":          21,
		"service[2].maintenance[1]":       22,
		"service[2].maintenance[1].days":  23,
		"sla":                             24,
		"sla.P1":                          24,
		"sla.P1.respond.value":            25,
		"service[3]":                      26,
		"service[3].dotted.key":           27,
	}
	if _, err := toml.Decode(src, new(map[string]any)); err != nil {
		t.Fatalf("the skimmer only sees valid TOML, and this is not: %v", err)
	}
	got := scanLines(src)
	for path, line := range want {
		if got[path] != line {
			t.Errorf("%s: line %d, want %d", path, got[path], line)
		}
	}
}

func TestLinesFind(t *testing.T) {
	l := lines{"service": 7, "service[2]": 15, "service[2].tier": 17}
	tests := []struct {
		path string
		want int
	}{
		{"service[2].tier", 17},
		{"service[2].owner", 15},               // missing key: its table
		{"service[2].maintenance[1].days", 15}, // nearest known parent
		{"service[9].id", 7},
		{"team[1].id", 0},
	}
	for _, tt := range tests {
		if got := l.find(tt.path); got != tt.want {
			t.Errorf("find(%q) = %d, want %d", tt.path, got, tt.want)
		}
	}
}
