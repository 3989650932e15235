package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
)

// firstRun is a machine where hypercare has never run: a user named ana
// in Paris, a home without SSH keys.
func firstRun(t *testing.T) (home string) {
	t.Helper()
	home = t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("USER", "ana")
	t.Setenv("TZ", "Europe/Paris")
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(home, ".local", "share"))
	return home
}

// hypercare init writes, where the console looks by default, a plan that
// plan check passes: hypercare from today for four weeks in the machine's
// zone, one service, one team with an escalation, the user as its admin
// operator, and the SLA targets.
func TestInitWritesAStarterPlanTheConsoleFinds(t *testing.T) {
	home := firstRun(t)
	code, out, errOut := cli(t, "init")
	if code != exitOK {
		t.Fatalf("init: exit %d\n%s%s", code, out, errOut)
	}
	path := filepath.Join(home, ".config", "hypercare", "plan.toml")
	if path != defaults().plan {
		t.Fatalf("the test's default plan path is %s, not %s", defaults().plan, path)
	}
	if !strings.Contains(out, "wrote a starter support plan to "+path) || !strings.Contains(out, "start the console: hypercare\n") {
		t.Errorf("init says:\n%s", out)
	}
	if code, out, errOut := cli(t, "plan", "check", path); code != exitOK || !strings.Contains(out, "ok") {
		t.Fatalf("plan check of the starter: exit %d\n%s%s", code, out, errOut)
	}
	p, err := plan.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	today := time.Now().In(paris)
	start := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, paris)
	h := p.Hypercare
	if h.Timezone != "Europe/Paris" || !h.Start.Equal(start) || !h.End.Equal(start.AddDate(0, 0, 28)) {
		t.Errorf("hypercare %s to %s in %s; want four weeks from %s in Europe/Paris", h.Start, h.End, h.Timezone, start)
	}
	if len(p.Services) != 1 || len(p.Teams) != 1 || len(p.Teams[0].Escalation) == 0 || len(p.Operators) != 1 {
		t.Fatalf("starter has %d services, %d teams, %d operators; want one of each, the team with an escalation", len(p.Services), len(p.Teams), len(p.Operators))
	}
	if op := p.Operators[0]; op.Name != "ana" || op.Role != model.RoleAdmin || len(op.Keys) != 0 {
		t.Errorf("operator = %+v; want ana, admin, no key (there is none in ~/.ssh)", op)
	}
	for _, k := range []string{"P1", "P2", "P3", "P4", "P5"} {
		if p.SLAFor(model.KindIncident, priorityOf(t, k)).Resolve <= 0 {
			t.Errorf("no resolve target for %s", k)
		}
	}
	if len(p.Freezes)+len(p.Jobs)+len(p.Licences)+len(p.Rota)+len(p.Routes)+len(p.Sources)+len(p.Change.Board)+len(p.Referrals)+
		len(p.Environments)+len(p.Responsibilities)+len(p.Support.Objectives)+len(p.Release.Process)+len(p.Budget.Items) != 0 {
		t.Errorf("a section meant to be commented out is live: %+v", p)
	}
	// The local console finds the operator it wrote.
	if a, err := actorFor(p, ""); err != nil || a.Name != "ana" || a.Role != model.RoleAdmin {
		t.Errorf("the console's operator: %+v, %v", a, err)
	}

	// A second init does not overwrite the plan; --force does.
	if err := os.WriteFile(path, []byte("# my edits\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = cli(t, "init")
	if kept, _ := os.ReadFile(path); code != exitRejected || !strings.Contains(errOut, "already exists") || !strings.Contains(errOut, "--force") || string(kept) != "# my edits\n" {
		t.Errorf("init over a plan: exit %d, %s; file now %q", code, errOut, kept)
	}
	if code, _, errOut := cli(t, "init", "--force"); code != exitOK {
		t.Fatalf("init --force: exit %d %s", code, errOut)
	}
	if _, err := plan.Load(path); err != nil {
		t.Errorf("after --force: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("the plan's folder holds %d files; want the plan alone", len(entries))
	}
}

func priorityOf(t *testing.T, name string) model.Priority {
	t.Helper()
	for p := model.Priority(1); p <= 5; p++ {
		if p.String() == name {
			return p
		}
	}
	t.Fatalf("no priority %s", name)
	return 0
}

// The user's SSH public key goes into the starter, so hypercare serve
// lets them in; a damaged one is left out with a note, not a plan that
// fails its check.
func TestInitTakesTheUsersSSHKey(t *testing.T) {
	home := firstRun(t)
	ssh := filepath.Join(home, ".ssh")
	os.MkdirAll(ssh, 0o700)
	key := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(newSigner(t).PublicKey()))) + " ana@laptop"
	os.WriteFile(filepath.Join(ssh, "id_ed25519.pub"), []byte(key+"\n"), 0o644)
	path := filepath.Join(t.TempDir(), "plan.toml")
	if code, out, errOut := cli(t, "init", "--plan", path); code != exitOK || !strings.Contains(out, "with your SSH key") || !strings.Contains(out, "hypercare --plan "+path) {
		t.Fatalf("init: exit %d\n%s%s", code, out, errOut)
	}
	p, err := plan.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if keys := p.Operators[0].Keys; len(keys) != 1 || keys[0] != key {
		t.Errorf("keys = %q; want %q", keys, key)
	}

	os.WriteFile(filepath.Join(ssh, "id_ed25519.pub"), []byte(strings.Replace(key, "ssh-ed25519", "ssh-rsa", 1)+"\n"), 0o644)
	path = filepath.Join(t.TempDir(), "plan.toml")
	code, out, errOut := cli(t, "init", "--plan", path)
	if code != exitOK || !strings.Contains(out, "your SSH public key "+filepath.Join(ssh, "id_ed25519.pub")+" was left out") {
		t.Fatalf("init with a damaged key: exit %d\n%s%s", code, out, errOut)
	}
	if p, err := plan.Load(path); err != nil || len(p.Operators[0].Keys) != 0 {
		t.Errorf("with a damaged key: %v, %+v", err, p)
	}
}

// commentedTOML is a commented-out line of a section: "#" and the TOML
// right after it. Explanations have a space after the "#".
var commentedTOML = regexp.MustCompile(`(?m)^#([^ #\n])`)

// Every section the starter has commented out is valid as written: with
// the "#" removed, the plan passes its check and has each of them. This
// keeps the starter in step with the plan parser (a renamed field fails
// here), and names the sections a first plan should show.
func TestStarterCommentedSectionsPassPlanCheck(t *testing.T) {
	firstRun(t)
	paris, _ := time.LoadLocation("Europe/Paris")
	now := time.Date(2026, 3, 28, 23, 30, 0, 0, time.UTC) // already Sunday the 29th in Paris
	data, _, _, err := newStarter("plan.toml", now).checked()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte("start    = 2026-03-29")) || !bytes.Contains(data, []byte("end      = 2026-04-25")) {
		t.Errorf("dates are not today and four weeks on in Paris:\n%s", data)
	}
	full := commentedTOML.ReplaceAll(data, []byte("$1"))
	p, err := plan.Parse("plan.toml", full)
	if err != nil {
		t.Fatalf("the starter with its sections uncommented fails plan check: %v\n%s", err, full)
	}
	for section, n := range map[string]int{
		"[[freeze]]": len(p.Freezes), "[[job]]": len(p.Jobs), "[[licence]]": len(p.Licences),
		"[[rota]]": len(p.Rota), "[[route]]": len(p.Routes), "[[source]]": len(p.Sources),
		"[change] board": len(p.Change.Board), "[[change.approval]]": len(p.Change.Approvals),
		"[[referral]]": len(p.Referrals), "[support] objectives": len(p.Support.Objectives),
		"[[environment]]": len(p.Environments), "[[responsibility]]": len(p.Responsibilities),
		"[release] process": len(p.Release.Process), "[budget] items": len(p.Budget.Items),
	} {
		if n == 0 {
			t.Errorf("the starter has no commented %s", section)
		}
	}
	if p.AlertRules() == model.DefaultAlertRules() && !bytes.Contains(full, []byte("\n[alerts]\n")) {
		t.Error("the starter has no commented [alerts]")
	}
	if p.Retention() == model.DefaultRetention() {
		t.Error("the starter has no commented [retention]")
	}
	if got := p.Freezes[0].Start; !got.Equal(time.Date(2026, 3, 29, 0, 0, 0, 0, paris)) {
		t.Errorf("the freeze starts %s; want the first day", got)
	}
	// Each commented section is explained by the line above it.
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "#[") && !strings.HasPrefix(l, "#[[change.") && (i == 0 || !strings.HasPrefix(lines[i-1], "# ")) {
			t.Errorf("line %d %q has no explanation above it", i+1, l)
		}
	}
}

func TestMachineZone(t *testing.T) {
	dir := t.TempDir()
	zone := filepath.Join(dir, "zoneinfo", "America", "New_York")
	os.MkdirAll(filepath.Dir(zone), 0o755)
	os.WriteFile(zone, nil, 0o644)
	linked := filepath.Join(dir, "localtime-link")
	os.Symlink(zone, linked)
	plain := filepath.Join(dir, "localtime-file")
	os.WriteFile(plain, nil, 0o644)
	env := func(tz string, set bool) func(string) (string, bool) {
		return func(string) (string, bool) { return tz, set }
	}
	for _, tt := range []struct {
		name      string
		tz        string
		set       bool
		localtime string
		want      string
	}{
		{"TZ names a zone", "Europe/Paris", true, linked, "Europe/Paris"},
		{"TZ with a colon", ":Asia/Tokyo", true, linked, "Asia/Tokyo"},
		{"TZ is a zoneinfo file", "/usr/share/zoneinfo/Australia/Sydney", true, linked, "Australia/Sydney"},
		{"TZ is a POSIX rule", "CET-1CEST,M3.5.0,M10.5.0/3", true, linked, "UTC"},
		{"TZ set empty means UTC", "", true, linked, "UTC"},
		{"no TZ: /etc/localtime's link", "", false, linked, "America/New_York"},
		{"no TZ, localtime a copy", "", false, plain, "UTC"},
		{"no TZ, no localtime", "", false, filepath.Join(dir, "none"), "UTC"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := machineZone(env(tt.tz, tt.set), tt.localtime); got != tt.want {
				t.Errorf("machineZone = %q; want %q", got, tt.want)
			}
		})
	}
}

// The console started with no plan asks, on a terminal, whether to write
// the starter; yes (or just enter) writes it, and the console opens on it.
func TestConsoleOffersAStarterPlan(t *testing.T) {
	firstRun(t)
	now := time.Now()
	for _, answer := range []string{"\n", "y\n", "YES\n"} {
		dir := t.TempDir()
		path := filepath.Join(dir, "conf", "plan.toml")
		var out bytes.Buffer
		if err := offerStarter(path, true, strings.NewReader(answer), &out, now); err != nil {
			t.Fatalf("answer %q: %v", answer, err)
		}
		said := out.String()
		if !strings.HasPrefix(said, "No support plan at "+path+". Write a starter plan there now? [Y/n] ") ||
			!strings.Contains(said, "wrote a starter plan to "+path) || !strings.Contains(said, "watches it for edits") {
			t.Errorf("answer %q: the console said\n%s", answer, said)
		}
		// What runConsole does next: open the store and the plan.
		ctx, cancel := context.WithCancel(context.Background())
		a, err := openApp(ctx, filepath.Join(dir, "h.db"), path)
		if err != nil {
			cancel()
			t.Fatalf("answer %q: the console does not open on the starter: %v", answer, err)
		}
		if a.plan.Plan().Hypercare.Service == "" {
			t.Errorf("answer %q: no plan loaded", answer)
		}
		a.db.Close()
		cancel()
	}

	for _, tt := range []struct {
		name        string
		interactive bool
		stdin       string
		prompt      bool
	}{
		{"no", true, "n\n", true},
		{"anything else is no", true, "later\n", true},
		{"end of input", true, "", true},
		{"no terminal", false, "y\n", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "plan.toml")
			var out bytes.Buffer
			err := offerStarter(path, tt.interactive, strings.NewReader(tt.stdin), &out, now)
			if err == nil || !strings.Contains(err.Error(), "no support plan at "+path) || !strings.Contains(err.Error(), "'hypercare init --plan "+path+"'") {
				t.Errorf("err = %v; want the missing plan named, with hypercare init", err)
			}
			if asked := strings.Contains(out.String(), "[Y/n]"); asked != tt.prompt {
				t.Errorf("asked = %v; want %v (said %q)", asked, tt.prompt, out.String())
			}
			if _, err := os.Stat(path); err == nil {
				t.Error("a plan was written")
			}
		})
	}

	// A plan that is there is left alone, even a broken one: loading it
	// says what is wrong.
	path := filepath.Join(t.TempDir(), "plan.toml")
	os.WriteFile(path, []byte("not = [toml"), 0o644)
	var out bytes.Buffer
	if err := offerStarter(path, true, strings.NewReader("y\n"), &out, now); err != nil || out.Len() > 0 {
		t.Errorf("with a plan there: %v, said %q", err, out.String())
	}
}

// Without a terminal the console with no plan exits 1 with what to do,
// hypercare init first, and never waits for an answer.
func TestConsoleWithoutPlanNamesInit(t *testing.T) {
	home := firstRun(t)
	code, out, errOut := cli(t)
	want := "no support plan at " + filepath.Join(home, ".config", "hypercare", "plan.toml") + ": write a starter plan there with 'hypercare init'"
	if code != exitRejected || !strings.Contains(errOut, want) || out != "" {
		t.Errorf("exit %d, %q%q; want %q", code, out, errOut, want)
	}
	path := filepath.Join(t.TempDir(), "mine.toml")
	if code, _, errOut := cli(t, "--plan", path); code != exitRejected || !strings.Contains(errOut, "'hypercare init --plan "+path+"'") {
		t.Errorf("--plan: exit %d, %s", code, errOut)
	}
	// serve never asks either.
	if code, _, errOut := cli(t, "--plan", path, "--db", filepath.Join(t.TempDir(), "h.db"), "serve", "--ssh", "off"); code != exitRejected || !strings.Contains(errOut, "hypercare init --plan") {
		t.Errorf("serve: exit %d, %s", code, errOut)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("a plan was written without asking")
	}
}
