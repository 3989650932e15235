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

// Matcher lists as Alertmanager reads them in its default mode: its
// classic parser first, its UTF-8 parser for what the classic one refuses
// (quoted or non-Prometheus label names). The inputs are the examples of
// Alertmanager's matcher documentation and of its two parsers' tests, each
// with what Alertmanager makes of it; then amtool's ways of writing them
// (spaces between matchers, a bare alert name first).
func TestParseMatchersAsAlertmanager(t *testing.T) {
	m := func(label string, op MatchOp, value string) Matcher {
		return Matcher{Label: label, Op: op, Value: value}
	}
	eq := func(label, value string) Matcher { return m(label, MatchEqual, value) }
	tests := []struct {
		in   string
		want []Matcher
		err  string
	}{
		// The documentation's examples.
		{`foo = bar`, []Matcher{eq("foo", "bar")}, ""},
		{`dings !=bums`, []Matcher{m("dings", MatchNotEqual, "bums")}, ""},
		{`foo = "bar,baz"`, []Matcher{eq("foo", "bar,baz")}, ""},
		{`{foo="bar",dings!="bums"}`, []Matcher{eq("foo", "bar"), m("dings", MatchNotEqual, "bums")}, ""},
		{`{quote=~"She said: \"Hi, all!( How're you…)?\""}`, []Matcher{m("quote", MatchRegexp, `She said: "Hi, all!( How're you…)?"`)}, ""},
		{`alertname = Watchdog, severity =~ "warning|critical"`, []Matcher{eq("alertname", "Watchdog"), m("severity", MatchRegexp, "warning|critical")}, ""},
		// The classic parser's cases.
		{`{foo="bar"}`, []Matcher{eq("foo", "bar")}, ""},
		{`{foo=~"bar.*"}`, []Matcher{m("foo", MatchRegexp, "bar.*")}, ""},
		{`{foo!="bar"}`, []Matcher{m("foo", MatchNotEqual, "bar")}, ""},
		{`{foo!~"bar.*"}`, []Matcher{m("foo", MatchNotRegexp, "bar.*")}, ""},
		{`{foo="bar", baz!~"quux.*"}`, []Matcher{eq("foo", "bar"), m("baz", MatchNotRegexp, "quux.*")}, ""},
		{`{foo="bar",baz!~".*quux", derp="wat"}`, []Matcher{eq("foo", "bar"), m("baz", MatchNotRegexp, ".*quux"), eq("derp", "wat")}, ""},
		{`{foo="bar", instance=~"some-api.*"}`, []Matcher{eq("foo", "bar"), m("instance", MatchRegexp, "some-api.*")}, ""},
		{`{foo=""}`, []Matcher{eq("foo", "")}, ""},
		{`{foo="bar,quux", job="job1"}`, []Matcher{eq("foo", "bar,quux"), eq("job", "job1")}, ""},
		{`{foo = "bar", dings != "bums", }`, []Matcher{eq("foo", "bar"), m("dings", MatchNotEqual, "bums")}, ""},
		{`foo=bar,dings!=bums`, []Matcher{eq("foo", "bar"), m("dings", MatchNotEqual, "bums")}, ""},
		{`{quote="She said: \"Hi, ladies! That's gender-neutral…\""}`, []Matcher{eq("quote", `She said: "Hi, ladies! That's gender-neutral…"`)}, ""},
		{`statuscode=~"5.."`, []Matcher{m("statuscode", MatchRegexp, "5..")}, ""},
		{`tricky=~~~`, []Matcher{m("tricky", MatchRegexp, "~~")}, ""},
		{`trickier==\\=\=\"`, []Matcher{eq("trickier", `=\=\="`)}, ""},
		{`contains_quote != "\"" , contains_comma !~ "foo,bar" , `, []Matcher{m("contains_quote", MatchNotEqual, `"`), m("contains_comma", MatchNotRegexp, "foo,bar")}, ""},
		{`{foo='}`, []Matcher{eq("foo", "'")}, ""},
		{"{foo=`}", []Matcher{eq("foo", "`")}, ""},
		{`{foo=\"}`, []Matcher{eq("foo", `"`)}, ""},
		{`{foo=~bar.*}`, []Matcher{m("foo", MatchRegexp, "bar.*")}, ""},
		{`{foo=bar}}`, []Matcher{eq("foo", "bar}")}, ""},
		{`{foo=,bar=}}`, []Matcher{eq("foo", ""), eq("bar", "}")}, ""},
		{`{foo=bar\t}`, []Matcher{eq("foo", `bar\t`)}, ""}, // only \" \\ and \n are escapes
		{`{foo=bar\n}`, []Matcher{eq("foo", "bar\n")}, ""},
		{`{foo=bar\}`, []Matcher{eq("foo", `bar\`)}, ""},
		{`{foo=bar\\}`, []Matcher{eq("foo", `bar\`)}, ""},
		{`{foo=bar\"}`, []Matcher{eq("foo", `bar"`)}, ""},
		{`job=`, []Matcher{eq("job", "")}, ""},
		{`{foo=`, []Matcher{eq("foo", "")}, ""},
		{`{foo=}b`, []Matcher{eq("foo", "}b")}, ""},
		{`job="value`, nil, "the quoted value is not closed"},
		{`job=value"`, nil, "a quote inside an unquoted value"},
		{`trickier==\\=\=\""`, nil, "a quote inside an unquoted value"},
		{`contains_unescaped_quote = foo"bar`, nil, "a quote inside an unquoted value"},
		{`{foo=~"invalid[regexp"}`, nil, "not a valid regular expression"},
		{`"{foo=\"bar"}`, nil, "expected =, !=, =~ or !~"},
		{`"foo=\"bar"`, nil, "expected =, !=, =~ or !~"},
		{`"foo=\"bar\""`, nil, "expected =, !=, =~ or !~"},
		{`"foo=\"bar\"`, nil, "the quoted label is not closed"},
		{`"{foo=\"bar\"}"`, nil, "expected =, !=, =~ or !~"},
		{`"foo="bar""`, nil, "expected =, !=, =~ or !~"},
		{`{{foo=`, nil, "expected a label name"},
		{`,`, nil, "no matchers"},
		{`{,}`, nil, "no matchers"},
		// The UTF-8 parser's cases (it alone takes quoted or other label names).
		{`{foo=bar,}`, []Matcher{eq("foo", "bar")}, ""},
		{`foo=bar,`, []Matcher{eq("foo", "bar")}, ""},
		{`foo=~[a-z]+`, []Matcher{m("foo", MatchRegexp, "[a-z]+")}, ""},
		{`foo!~[a-z]+`, []Matcher{m("foo", MatchNotRegexp, "[a-z]+")}, ""},
		{`{foo=🙂}`, []Matcher{eq("foo", "🙂")}, ""},
		{`{foo=🙂bar}`, []Matcher{eq("foo", "🙂bar")}, ""},
		{`{"foo"="bar"}`, []Matcher{eq("foo", "bar")}, ""},
		{`{"foo"="bar",}`, []Matcher{eq("foo", "bar")}, ""},
		{`{"foo"!="bar"}`, []Matcher{m("foo", MatchNotEqual, "bar")}, ""},
		{`{"foo"=~"[a-z]+"}`, []Matcher{m("foo", MatchRegexp, "[a-z]+")}, ""},
		{`{"foo"!~"[a-z]+"}`, []Matcher{m("foo", MatchNotRegexp, "[a-z]+")}, ""},
		{`{"foo"="🙂"}`, []Matcher{eq("foo", "🙂")}, ""},
		{`{"foo"="\xf0\x9f\x99\x82"}`, []Matcher{eq("foo", "🙂")}, ""},
		{`{"foo"="\U0001f642"}`, []Matcher{eq("foo", "🙂")}, ""},
		{`{"foo"="bar\n"}`, []Matcher{eq("foo", "bar\n")}, ""},
		{`{"foo"="bar\t"}`, []Matcher{eq("foo", "bar\t")}, ""},
		{`{"foo"="\"bar\""}`, []Matcher{eq("foo", `"bar"`)}, ""},
		{`{"foo"="bar\\"}`, []Matcher{eq("foo", `bar\`)}, ""},
		{`"foo"="bar"`, []Matcher{eq("foo", "bar")}, ""},
		{`{foo=bar,bar!=baz}`, []Matcher{eq("foo", "bar"), m("bar", MatchNotEqual, "baz")}, ""},
		{`foo="bar",bar!="baz"`, []Matcher{eq("foo", "bar"), m("bar", MatchNotEqual, "baz")}, ""},
		{`{invalid-name = "valid label"}`, []Matcher{eq("invalid-name", "valid label")}, ""},
		{`foo=bar}`, []Matcher{eq("foo", "bar")}, ""}, // the classic parser trims either brace
		{`{foo=bar`, []Matcher{eq("foo", "bar")}, ""},
		{`{foo="bar\w"}`, []Matcher{eq("foo", `bar\w`)}, ""},
		{`{foo=:"bar"}`, nil, "a quote inside an unquoted value"},
		{`{"foo"="\xf0\x9f"}`, nil, "valid UTF-8"},
		{`"foo"=`, nil, "a value is needed"},
		{`k8s-app=a=b`, nil, `"=" may not appear unquoted`},
		// amtool: matchers as arguments, a bare first one the alert's name.
		{`alertname=HighLatency service!~"noti.*"`, []Matcher{eq("alertname", "HighLatency"), m("service", MatchNotRegexp, "noti.*")}, ""},
		{`HighLatency service=checkout`, []Matcher{eq("alertname", "HighLatency"), eq("service", "checkout")}, ""},
		{`HighLatency`, []Matcher{eq("alertname", "HighLatency")}, ""},
		{`alertname="High Latency"   env=prod`, []Matcher{eq("alertname", "High Latency"), eq("env", "prod")}, ""},
		{`team= env=prod`, []Matcher{eq("team", ""), eq("env", "prod")}, ""},
		{`instance=~"db\d+:9100"`, []Matcher{m("instance", MatchRegexp, `db\d+:9100`)}, ""},
		{`"service.name"=checkout k8s-app=web`, []Matcher{eq("service.name", "checkout"), eq("k8s-app", "web")}, ""},
		{`service checkout`, nil, `matcher 2 (checkout): expected =, !=, =~ or !~ after "checkout"`},
		{`service=checkout instance`, nil, `matcher 2 (instance): expected =, !=, =~ or !~`},
		{`alertname=~"(" service=x`, nil, `matcher 1 (alertname=~"("): "(" is not a valid regular expression`},
		{`service="check"out`, nil, "text after the closing quote"},
		{``, nil, "no matchers"},
		{`{}`, nil, "no matchers"}, // a silence needs one; Alertmanager refuses it too
	}
	for _, tt := range tests {
		got, err := ParseMatchers(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseMatchers(%q) = %v, %v; want an error containing %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseMatchers(%q): %v", tt.in, err)
			continue
		}
		if !sameMatchers(got, tt.want) {
			t.Errorf("ParseMatchers(%q) = %v; want %v", tt.in, got, tt.want)
			continue
		}
		// What String writes (the edit form, the silences list) reads back
		// the same.
		var text []string
		for _, m := range got {
			text = append(text, m.String())
		}
		if again, err := ParseMatchers(strings.Join(text, " ")); err != nil || !sameMatchers(again, got) {
			t.Errorf("ParseMatchers(%q) reads %q back as %v, %v", tt.in, strings.Join(text, " "), again, err)
		}
	}
	ms, _ := ParseMatchers(`instance=~"db\d+:9100"`)
	if !MatchAll(ms, map[string]string{"instance": "db12:9100"}) || MatchAll(ms, map[string]string{"instance": "dbx:9100"}) {
		t.Errorf(`instance=~"db\d+:9100" is not the regular expression db\d+:9100`)
	}
}

func sameMatchers(a, b []Matcher) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Label != b[i].Label || a[i].Op != b[i].Op || a[i].Value != b[i].Value {
			return false
		}
	}
	return true
}

// A silence of an alert starts from its identity without the instance, so
// it covers the alert on every pod.
func TestSilenceMatchers(t *testing.T) {
	tests := []struct {
		labels map[string]string
		want   string
	}{
		{map[string]string{"alertname": "HighLatency", "service": "checkout", "env": "prod", "severity": "warning", "instance": "checkout-7f9c:8080"},
			`alertname="HighLatency" env="prod" service="checkout" severity="warning"`},
		{map[string]string{"instance": "db-1", "device": "/dev/sda1", "alertname": "DiskFull"}, `alertname="DiskFull" device="/dev/sda1"`},
		{map[string]string{"zone": "b", "app": "web"}, `app="web" zone="b"`},
		{map[string]string{"instance": "x"}, ``},
	}
	for _, tt := range tests {
		var got []string
		for _, m := range SilenceMatchers(Alert{Labels: tt.labels}) {
			got = append(got, m.String())
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("SilenceMatchers(%v) = %s; want %s", tt.labels, strings.Join(got, " "), tt.want)
		}
	}
}
