package model

import (
	"strings"
	"testing"
)

func TestMatchers(t *testing.T) {
	labels := map[string]string{"service": "checkout", "alertname": "HighErrorRate", "env": "prod"}
	tests := []struct {
		in      string
		matches bool
		err     string
	}{
		{`service=checkout`, true, ""},
		{`{service="checkout", env="prod"}`, true, ""},
		{`service!=checkout`, false, ""},
		{`alertname=~High.*`, true, ""},
		{`alertname=~"Error"`, false, ""}, // anchored: must match the whole value
		{`alertname!~"Disk.*"`, true, ""},
		{`team=`, true, ""},   // an absent label has the value ""
		{`team=""`, true, ""}, // the same, quoted
		{`region!=eu`, true, ""},
		{`service checkout`, false, "expected =, !=, =~ or !~"},
		{`alertname=~"("`, false, "not a valid regular expression"},
		{``, false, "no matchers"},
		{`summary="a, b"`, false, ""},
		{`service="unterminated`, false, "not closed"},
	}
	for _, tt := range tests {
		ms, err := ParseMatchers(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseMatchers(%q) err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseMatchers(%q): %v", tt.in, err)
			continue
		}
		if got := MatchAll(ms, labels); got != tt.matches {
			t.Errorf("%q matches = %v, want %v", tt.in, got, tt.matches)
		}
	}
	ms, _ := ParseMatchers(`summary="a, b"`)
	if len(ms) != 1 || ms[0].Value != "a, b" {
		t.Errorf("quoted comma: %+v", ms)
	}
}
