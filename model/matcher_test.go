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

// The matcher lists people paste from amtool and Alertmanager: spaces or
// commas between matchers, quoted or bare values, braces.
func TestParseMatchersLikeAmtool(t *testing.T) {
	tests := []struct {
		in   string
		want string // the matchers as String() writes them, joined by " "
		err  string
	}{
		{`alertname=HighLatency service!~"noti.*"`, `alertname="HighLatency" service!~"noti.*"`, ""},
		{`alertname="HighLatency" service=checkout`, `alertname="HighLatency" service="checkout"`, ""},
		{`{alertname="HighLatency",service="checkout"}`, `alertname="HighLatency" service="checkout"`, ""},
		{`{ alertname = "High Latency" , env != prod }`, `alertname="High Latency" env!="prod"`, ""},
		{`job=~"api|web", instance!~".*:9100"`, `job=~"api|web" instance!~".*:9100"`, ""},
		{`summary="a \"quoted\" word"`, `summary="a \"quoted\" word"`, ""},
		{`team= env=prod`, `team="" env="prod"`, ""},
		// Alertmanager's matcher documentation examples.
		{`{foo="bar"}`, `foo="bar"`, ""},
		{`{foo=~"bar.*"}`, `foo=~"bar.*"`, ""},
		{`{foo!="bar", baz!~"qux"}`, `foo!="bar" baz!~"qux"`, ""},
		{`{foo="bar,baz"}`, `foo="bar,baz"`, ""},
		{`{foo="bar",}`, `foo="bar"`, ""}, // a trailing comma
		{`{foo=}`, `foo=""`, ""},
		{`{foo="🙂"}`, `foo="🙂"`, ""},
		{`foo=🙂`, `foo="🙂"`, ""},
		{`alertname=~".*Latency" severity="critical"`, `alertname=~".*Latency" severity="critical"`, ""},
		{`{foo=~"[a-"}`, "", "not a valid regular expression"},
		{`service=checkout instance`, "", `matcher 2 (instance): expected =, !=, =~ or !~ after "instance"`},
		{`1x=y`, "", "matcher 1 (1x=y): expected a label name"},
		{`=checkout`, "", "expected a label name"},
		{`{service="checkout"`, "", `"{" is not closed`},
		{`service=check"out"`, "", "quote the whole value"},
		{`alertname=~"(" service=x`, "", `matcher 1 (alertname=~"("): "(" is not a valid regular expression`},
	}
	for _, tt := range tests {
		ms, err := ParseMatchers(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseMatchers(%q) = %v, %v; want an error containing %q", tt.in, ms, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseMatchers(%q): %v", tt.in, err)
			continue
		}
		var got []string
		for _, m := range ms {
			got = append(got, m.String())
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("ParseMatchers(%q) = %s; want %s", tt.in, strings.Join(got, " "), tt.want)
		}
	}
}
