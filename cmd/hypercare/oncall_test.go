package main

import (
	"strings"
	"testing"
)

// oncall reads the plan's rotas at a time: turns, a cover shift that wins
// (the example plan's Christmas swap on web), and who takes over after.
func TestOnCallCommand(t *testing.T) {
	plan := "../../examples/plan.toml"
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"a turn", []string{"--plan", plan, "oncall", "--at", "2026-12-01T10:00"}, exitOK,
			[]string{"web       L1     priya.shah", "Mon 07 Dec 09:00  tom.okafor", "payments  L1     raj.iyer"}},
		{"a cover shift wins", []string{"--plan", plan, "oncall", "--at", "2026-12-25T10:00"}, exitOK,
			[]string{"lucas.martin (cover)  Sun 27 Dec 09:00  priya.shah"}},
		{"json", []string{"--plan", plan, "oncall", "--at", "2026-12-25T10:00", "--json"}, exitOK,
			[]string{`"who": "lucas.martin"`, `"cover": true`}},
		{"bad time", []string{"--plan", plan, "oncall", "--at", "tomorrow"}, exitUsage, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := cli(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s%s", code, tc.code, out, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}
