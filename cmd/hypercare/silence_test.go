package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// hypercare silence list|add|extend|expire: the console's silences from a shell.
func TestSilenceCommand(t *testing.T) {
	db, planPath := seeded(t)
	code, out, errOut := cli(t, "--db", db, "--plan", planPath, "silence", "add", `alertname=HighLatency`, `service!~"noti.*"`, "--for", "1h", "--comment", "known noisy", "--json")
	var sil model.Silence
	if err := json.Unmarshal([]byte(out), &sil); code != exitOK || err != nil || sil.ID != 1 || len(sil.Matchers) != 2 {
		t.Fatalf("silence add: %d %v %s%s", code, err, out, errOut)
	}
	code, out, _ = cli(t, "--db", db, "--plan", planPath, "silence", "list")
	if code != exitOK || !strings.Contains(out, "SIL-1") || !strings.Contains(out, `service!~"noti.*"`) || !strings.Contains(out, "known noisy") {
		t.Fatalf("silence list: %d\n%s", code, out)
	}
	code, out, errOut = cli(t, "--db", db, "--plan", planPath, "silence", "extend", "SIL-1", "--by", "2h", "--json")
	var ext model.Silence
	if err := json.Unmarshal([]byte(out), &ext); code != exitOK || err != nil || ext.EndsAt.Sub(sil.EndsAt).Round(time.Second) != 2*time.Hour {
		t.Fatalf("silence extend: %d %v %s%s", code, err, out, errOut)
	}
	// As amtool, a first argument without an operator is the alert's name.
	code, out, errOut = cli(t, "--db", db, "--plan", planPath, "silence", "add", "HighLatency", "env=prod", "--comment", "as amtool", "--json")
	var bare model.Silence
	if err := json.Unmarshal([]byte(out), &bare); code != exitOK || err != nil || matcherText(bare.Matchers) != `alertname="HighLatency" env="prod"` {
		t.Fatalf("silence add HighLatency env=prod: %d %v %s%s", code, err, out, errOut)
	}
	if code, _, errOut := cli(t, "--db", db, "--plan", planPath, "silence", "expire", bare.Ref()); code != exitOK {
		t.Fatalf("silence expire %s: %d %s", bare.Ref(), code, errOut)
	}
	code, out, errOut = cli(t, "--db", db, "--plan", planPath, "silence", "expire", "SIL-1")
	if code != exitOK || !strings.Contains(out, "SIL-1 ended") {
		t.Fatalf("silence expire: %d %s%s", code, out, errOut)
	}
	code, out, _ = cli(t, "--db", db, "--plan", planPath, "silence", "list", "--json")
	if code != exitOK || strings.TrimSpace(out) != "[]" {
		t.Fatalf("list after expire: %d %s", code, out)
	}
	for _, tt := range []struct {
		args []string
		err  string
	}{
		{[]string{"silence", "add", "HighLatency", "service", "--comment", "x"}, `matcher 2 (service): expected =, !=, =~ or !~ after "service"`},
		{[]string{"silence", "add", `service=~"(checkout"`, "--comment", "x"}, "not a valid regular expression"},
		{[]string{"silence", "add", "service=x", "--for", "soon", "--comment", "x"}, "write a duration"},
		{[]string{"silence", "extend", "INC-1", "--by", "1h"}, "use SIL-n"},
		{[]string{"silence", "mute"}, `unknown action "mute"`},
	} {
		code, _, errOut := cli(t, append([]string{"--db", db, "--plan", planPath}, tt.args...)...)
		if code != exitUsage || !strings.Contains(errOut, tt.err) {
			t.Errorf("%v: %d %s; want a usage error containing %q", tt.args, code, errOut, tt.err)
		}
	}
	if code, _, errOut := cli(t, "--db", db, "--plan", planPath, "silence", "extend", "SIL-1", "--by", "1h"); code != exitRejected || !strings.Contains(errOut, "not in force") {
		t.Errorf("extend an ended silence: %d %s", code, errOut)
	}
}
