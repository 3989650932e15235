package plan

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

const examplePlan = "../examples/plan.toml"

func loadExample(t *testing.T) *Plan {
	t.Helper()
	p, err := Load(examplePlan)
	if err != nil {
		t.Fatalf("example plan: %v", err)
	}
	return p
}

func TestExamplePlanLoads(t *testing.T) {
	p := loadExample(t)
	want := []string{"storefront", "checkout", "payments", "psp-gateway", "catalog", "search", "orders",
		"orders-db", "identity", "api-gateway", "notifications", "settlement", "reporting", "cdn"}
	if len(p.Services) != len(want) {
		t.Fatalf("%d services, want %d", len(p.Services), len(want))
	}
	for i, id := range want {
		if p.Services[i].ID != id {
			t.Errorf("service %d is %q, want %q", i+1, p.Services[i].ID, id)
		}
	}
	roles := map[model.Role]int{}
	for _, o := range p.Operators {
		roles[o.Role]++
	}
	for _, r := range []model.Role{model.RoleViewer, model.RoleOperator, model.RoleLead, model.RoleAdmin} {
		if roles[r] == 0 {
			t.Errorf("no operator with role %s", r)
		}
	}
	if wall, ok := p.Operator("wall"); !ok || !wall.Wall || wall.Role != model.RoleViewer {
		t.Errorf("wall operator = %+v, %v; want a viewer with wall = true", wall, ok)
	}
	if p.Path != examplePlan || p.Location().String() != "Europe/London" {
		t.Errorf("path %q, location %s", p.Path, p.Location())
	}
}

// problem is what a test expects of one Problem: its line, field and a
// part of its message.
type problem struct {
	line  int
	field string
	msg   string
}

func TestBrokenPlans(t *testing.T) {
	tests := []struct {
		file string
		want []problem
	}{
		{"syntax.toml", []problem{{25, "", "TOML syntax"}}},
		{"unknown_key.toml", []problem{{25, "service[2].enviroment", "unknown key; check the spelling (known here: depends_on, environment,"}}},
		{"duplicate_id.toml", []problem{{22, "service[2].id", `"shop" is already used by service[1]`}}},
		{"unknown_owner.toml", []problem{{24, "service[2].owner", `"wbe" is not a team id in this plan; use one of "web", or add it`}}},
		{"bad_duration.toml", []problem{{30, "sla.P3.resolve", `"2 days" is not a duration; write it like "15m"`}}},
		{"bad_regex.toml", []problem{{41, "route[1].match.alertname", `"Disk(.*" is not a valid regular expression (missing closing ))`}}},
		{"end_before_start.toml", []problem{{5, "hypercare.end", "ends before it starts (start 2026-11-19); put end after start"}}},
		{"bad_role.toml", []problem{{36, "operator[1].role", `unknown role "superuser": use viewer, operator, lead or admin`}}},
		{"missing_sla.toml", []problem{{27, "sla.P4", "missing; add [sla.P4] with respond and resolve"}}},
		{"cycle.toml", []problem{{20, "service[1].depends_on", "depends_on makes a cycle: shop → db → cache → shop; a service cannot need what needs it"}}},
		{"multiple.toml", []problem{
			{15, "team[1].escalation[1].timeout", `"30 mins" is not a duration`},
			{17, "team[1].escalation[3].level", "L2 comes after L3"},
			{17, "team[1].escalation[3].contact", `"Nobody" is not a [[contact]] name`},
			{23, "service[1].owner", `"ops" is not a team id`},
			{27, "service[2].tier", `found text "2"; write a whole number without quotes`},
			{37, "sla.P6", `"P6" is not an SLA`},
			{47, "freeze[1].end", "ends before it starts"},
			{48, "freeze[1].services[2]", `"till" is not a service id`},
			{53, "job[1].schedule", `"nightly at 2" is not a cron schedule`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := Load("testdata/" + tt.file)
			var ce *CheckError
			if !errors.As(err, &ce) {
				t.Fatalf("Load: %v, want a *CheckError", err)
			}
			if len(ce.Problems) != len(tt.want) {
				t.Fatalf("%d problems, want %d:\n%v", len(ce.Problems), len(tt.want), err)
			}
			for i, w := range tt.want {
				got := ce.Problems[i]
				if got.File != "testdata/"+tt.file || got.Line != w.line || got.Field != w.field || !strings.Contains(got.Msg, w.msg) {
					t.Errorf("problem %d:\n got %s\nwant line %d, field %q, message containing %q", i+1, got, w.line, w.field, w.msg)
				}
			}
		})
	}
}

func TestValidTestdataLoads(t *testing.T) {
	if _, err := Load("testdata/valid.toml"); err != nil {
		t.Fatal(err)
	}
}

func TestProblemString(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{"plan.toml", 12, "service[3].tier", "4 is not a tier; use 1, 2 or 3"}, "plan.toml:12: service[3].tier: 4 is not a tier; use 1, 2 or 3"},
		{Problem{"plan.toml", 0, "sla.P1", "missing"}, "plan.toml: sla.P1: missing"},
		{Problem{"plan.toml", 3, "", "TOML syntax: x"}, "plan.toml:3: TOML syntax: x"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
	err := &CheckError{[]Problem{tests[0].p, tests[1].p}}
	if got := err.Error(); got != tests[0].want+"\n"+tests[1].want {
		t.Errorf("Error() = %q", got)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/no-such-plan.toml")
	var ce *CheckError
	if errors.As(err, &ce) || err == nil {
		t.Fatalf("Load = %v, want a read error", err)
	}
}

func TestPolicy(t *testing.T) {
	p := loadExample(t)
	var _ model.Policy = p

	tests := []struct {
		kind             model.Kind
		pr               model.Priority
		respond, resolve time.Duration
	}{
		{model.KindIncident, 1, 15 * time.Minute, 4 * time.Hour},
		{model.KindIncident, 2, 30 * time.Minute, 8 * time.Hour},
		{model.KindIncident, 5, 10 * time.Hour, 100 * time.Hour},
		{model.KindRequest, 1, 4 * time.Hour, 30 * time.Hour},
		{model.KindIncident, 9, 0, 0},
	}
	for _, tt := range tests {
		if got := p.RespondTarget(tt.kind, tt.pr); got != tt.respond {
			t.Errorf("RespondTarget(%s, %s) = %s, want %s", tt.kind, tt.pr, got, tt.respond)
		}
		if got := p.ResolveTarget(tt.kind, tt.pr); got != tt.resolve {
			t.Errorf("ResolveTarget(%s, %s) = %s, want %s", tt.kind, tt.pr, got, tt.resolve)
		}
	}
	if got := p.SLA["P4"].Hours; got != HoursBusiness {
		t.Errorf("P4 hours = %q, want the [hypercare] default %q", got, HoursBusiness)
	}

	for _, tt := range []struct {
		id    string
		tier  int
		ok    bool
		owner string
	}{
		{"checkout", 1, true, "web"},
		{"notifications", 3, true, "platform"},
		{"psp-gateway", 1, true, "acmepay"},
		{"nope", 0, false, ""},
	} {
		tier, ok := p.ServiceTier(tt.id)
		if tier != tt.tier || ok != tt.ok || p.OwnerTeam(tt.id) != tt.owner {
			t.Errorf("%s: tier %d %v owner %q, want %d %v %q", tt.id, tier, ok, p.OwnerTeam(tt.id), tt.tier, tt.ok, tt.owner)
		}
	}

	ms := p.ModelServices()
	if len(ms) != 14 || ms[0].ID != "storefront" || ms[0].Owner != "web" || len(ms[0].DependsOn) != 5 {
		t.Errorf("ModelServices()[0] = %+v of %d", ms[0], len(ms))
	}
	team, ok := p.Team("acmepay")
	if !ok || !team.Vendor || team.Escalation[0].Wait() != 30*time.Minute || team.Escalation[2].Wait() != 0 {
		t.Errorf("Team(acmepay) = %+v, %v", team, ok)
	}
	if _, ok := p.Team("nope"); ok {
		t.Error("Team(nope) found")
	}
	if op, ok := p.Operator("claire.dubois"); !ok || op.Role != model.RoleAdmin {
		t.Errorf("Operator(claire.dubois) = %+v, %v", op, ok)
	}
}

func TestDefaults(t *testing.T) {
	p := loadExample(t)
	j := p.Jobs[2] // reporting-extract: no owner or on_miss written
	if spec := j.Spec(); spec.Owner != "platform" || spec.MissSeverity != model.SevWarning || spec.MissIncident != 0 {
		t.Errorf("spec = %+v, want the owner of reporting and a warning", spec)
	}
	if p.Licences[2].Kind != "licence" {
		t.Errorf("kind = %q, want licence", p.Licences[2].Kind)
	}
	s, _ := p.Service("checkout")
	if s.Name != "Checkout" {
		t.Errorf("name = %q", s.Name)
	}
}

func TestExitCriterionMet(t *testing.T) {
	tests := []struct {
		c     ExitCriterion
		value float64
		want  bool
	}{
		{ExitCriterion{Metric: "open_p1", Target: 0}, 0, true},
		{ExitCriterion{Metric: "open_p1", Target: 0}, 1, false},
		{ExitCriterion{Metric: "sla_attainment", Target: 0.95}, 0.97, true},
		{ExitCriterion{Metric: "sla_attainment", Target: 0.95}, 0.9, false},
	}
	for _, tt := range tests {
		if got := tt.c.Met(tt.value); got != tt.want {
			t.Errorf("%s %v at %v: %v", tt.c.Metric, tt.c.Target, tt.value, got)
		}
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"15m", 15 * time.Minute, true},
		{"1h30m", 90 * time.Minute, true},
		{"3d", 72 * time.Hour, true},
		{"1d12h", 36 * time.Hour, true},
		{"2 days", 0, false},
		{"1.5d", 0, false},
		{"d", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, err := parseDuration(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("parseDuration(%q) = %s, %v", tt.in, got, err)
		}
	}
}

func TestCheckKey(t *testing.T) {
	good := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHl+t8VSLP0Kk267JFuZQCn4c3MPvN5qogp4A7HVF+bw ana@test"
	tests := []struct {
		key string
		msg string // empty when the key is fine
	}{
		{good, ""},
		{strings.TrimSuffix(good, " ana@test"), ""},
		{"ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIHl+t8VSLP0Kk267JFuZQCn4c3MPvN5qogp4A7HVF+bw", "does not match its type"},
		{"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA!!", "not an SSH public key"},
		{"AAAAC3NzaC1lZDI1NTE5AAAAIHl", "not an SSH public key"},
	}
	for _, tt := range tests {
		_, err := checkKey(tt.key)
		if tt.msg == "" && err != nil || tt.msg != "" && (err == nil || !strings.Contains(err.Error(), tt.msg)) {
			t.Errorf("checkKey(%q) = %v, want %q", tt.key, err, tt.msg)
		}
	}
}

func TestDuplicateKey(t *testing.T) {
	src := strings.Replace(readFile(t, "testdata/valid.toml"), "[[operator]]", `[[operator]]
name = "bo"
role = "viewer"
keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHl+t8VSLP0Kk267JFuZQCn4c3MPvN5qogp4A7HVF+bw other-comment"]

[[operator]]`, 1)
	_, err := Parse("plan.toml", []byte(src))
	if err == nil || !strings.Contains(err.Error(), "operator[2].keys[1]: is already a key of operator[1] (bo)") {
		t.Fatalf("Parse = %v", err)
	}
}

func TestShiftedEncodeRoundTrip(t *testing.T) {
	p := loadExample(t)
	london := p.Location()
	const day = 24 * time.Hour
	tests := []struct {
		name      string
		d         time.Duration
		wantStart time.Time
	}{
		{"unshifted", 0, time.Date(2026, 11, 19, 0, 0, 0, 0, london)},
		{"forward", 37 * day, time.Date(2026, 12, 26, 0, 0, 0, 0, london)},
		// Back into British Summer Time: dates stay at local midnight.
		{"back across DST", -40 * day, time.Date(2026, 10, 10, 0, 0, 0, 0, london)},
		{"part of a day", 90 * time.Minute, time.Date(2026, 11, 19, 1, 30, 0, 0, london)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var first bytes.Buffer
			if err := p.Shifted(tt.d).Encode(&first); err != nil {
				t.Fatal(err)
			}
			back, err := Parse("encoded.toml", first.Bytes())
			if err != nil {
				t.Fatalf("encoded plan does not load: %v\n%s", err, first.String())
			}
			var second bytes.Buffer
			if err := back.Encode(&second); err != nil {
				t.Fatal(err)
			}
			if first.String() != second.String() {
				t.Errorf("encoding is not stable:\n%s\n---\n%s", first.String(), second.String())
			}
			if !back.Hypercare.Start.Equal(tt.wantStart) {
				t.Errorf("start %s, want %s", back.Hypercare.Start, tt.wantStart)
			}
			// Everything else moved with the start: by the calendar for whole
			// days, so wall-clock times stay put across DST.
			moved := func(t time.Time) time.Time {
				if tt.d%day == 0 {
					return t.In(london).AddDate(0, 0, int(tt.d/day))
				}
				return t.Add(tt.d)
			}
			for i, f := range p.Freezes {
				if !back.Freezes[i].Start.Equal(moved(f.Start)) || !back.Freezes[i].End.Equal(moved(f.End)) {
					t.Errorf("freeze %d: %s to %s", i+1, back.Freezes[i].Start, back.Freezes[i].End)
				}
			}
			if !back.Licences[0].Expires.Equal(moved(p.Licences[0].Expires)) || !back.Hypercare.Holidays[0].Equal(moved(p.Hypercare.Holidays[0])) {
				t.Errorf("licence or holiday not moved: %s, %s", back.Licences[0].Expires, back.Hypercare.Holidays[0])
			}
			if tt.d%day != 0 {
				return
			}
			now := time.Date(2026, 11, 25, 12, 0, 0, 0, london)
			shiftedNow := now.AddDate(0, 0, int(tt.d/day))
			d1, n1 := p.Day(now)
			if d2, n2 := back.Day(shiftedNow); d1 != d2 || n1 != n2 {
				t.Errorf("Day = %d of %d, want %d of %d", d2, n2, d1, n1)
			}
		})
	}
	if p.Hypercare.Start.Day() != 19 || p.Freezes[1].Start.Day() != 27 {
		t.Error("Shifted changed the original plan")
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestChecks covers the remaining rules, each by one edit of testdata/valid.toml.
func TestChecks(t *testing.T) {
	valid := readFile(t, "testdata/valid.toml")
	tests := []struct {
		name, old, new string
		want           problem
	}{
		{"tier out of range", "tier  = 1", "tier  = 4", problem{18, "service[1].tier", "4 is not a tier; use 1, 2 or 3"}},
		{"tier missing", "tier  = 1\n", "", problem{16, "service[1].tier", "missing; add tier = 1, 2 or 3"}},
		{"quoted date", "start    = 2026-11-19", `start    = "2026-11-19"`, problem{4, "hypercare.start", `found text "2026-11-19"; write a date or date-time without quotes`}},
		{"time of day for a date", "start    = 2026-11-19", "start    = 08:00:00", problem{4, "hypercare.start", "is a time of day only"}},
		{"unknown section", "[[operator]]", "[servcie]\nid = \"x\"\n\n[[operator]]", problem{34, "servcie", "unknown key; check the spelling (known here: alerts, budget, change, contact, environment, freeze, hypercare, job, licence, major, notify, operator, referral, release, responsibility, retention, rota, route, service, sla, smtp, source, support, team)"}},
		{"unknown timezone", `"Europe/London"`, `"Europe/Londres"`, problem{6, "hypercare.timezone", `"Europe/Londres" is not a known IANA timezone`}},
		{"business hours inside out", `timezone = "Europe/London"`, "timezone = \"Europe/London\"\nhours = \"business\"\nbusiness = { days = [\"mon\"], start = \"18:00\", end = \"08:00\" }", problem{8, "hypercare.business.end", "08:00 is not after start 18:00"}},
		{"first level not L1", `level = "L1"`, `level = "L2"`, problem{14, "team[1].escalation[1].level", "L2 cannot come first; start the escalation at L1"}},
		{"vendor without contract", `id         = "web"`, "id         = \"web\"\nvendor     = true\ncontact    = \"Web on-call\"", problem{12, "team[1].contract", "missing; add the contract reference"}},
		{"respond longer than resolve", `respond = "15m", resolve = "4h"`, `respond = "5h", resolve = "4h"`, problem{28, "sla.P1.respond", "5h is longer than resolve 4h"}},
		{"bad impact", "[[operator]]", "[[route]]\nname = \"r\"\nmatch = { a = \"b\" }\nimpact = \"severe\"\n\n[[operator]]", problem{37, "route[1].impact", `"severe" is not a level; use high, medium or low`}},
		{"route that sets nothing", "[[operator]]", "[[route]]\nname = \"r\"\nmatch = { a = \"b\" }\n\n[[operator]]", problem{34, "route[1]", "sets nothing"}},
		{"rota person unknown", "[[operator]]", "[[rota]]\nteam = \"web\"\npeople = [\"ana\", \"zed\"]\nstart = 2026-11-19\n\n[[operator]]", problem{36, "rota[1].people[2]", `"zed" is neither an [[operator]] nor a member of a [[team]]`}},
		{"rota level the team lacks", "[[operator]]", "[[rota]]\nteam = \"web\"\nlevel = \"L2\"\npeople = [\"ana\"]\nstart = 2026-11-19\n\n[[operator]]", problem{36, "rota[1].level", "team web has no level L2"}},
		{"rota turn length", "[[operator]]", "[[rota]]\nteam = \"web\"\npeople = [\"ana\"]\nevery = \"fortnight\"\nstart = 2026-11-19\n\n[[operator]]", problem{37, "rota[1].every", `"fortnight" is not a turn length`}},
		{"rota shift inside out", "[[operator]]", "[[rota]]\nteam = \"web\"\nshifts = [{ who = \"ana\", from = 2026-12-02T09:00:00, to = 2026-12-01T09:00:00 }]\n\n[[operator]]", problem{36, "rota[1].shifts[1].to", "ends before it starts"}},
		{"bad key", "AAAAC3NzaC1lZDI1NTE5AAAAIHl+", "AAAAC3NzaC1lZDI1NTE5AAAAIHl-", problem{37, "operator[1].keys[1]", "is not an SSH public key"}},
		{"self dependency", "owner = \"web\"\n\n[[service]]", "owner = \"web\"\ndepends_on = [\"shop\"]\n\n[[service]]", problem{20, "service[1].depends_on[1]", `a service cannot depend on itself; remove "shop"`}},
		{"url without scheme", "environment = \"prod\"", "environment = \"prod\"\nurls = [\"shop.example.com\"]", problem{26, "service[2].urls[1]", `"shop.example.com" is not an http:// or https:// URL`}},
		{"bad rto", "environment = \"prod\"", "environment = \"prod\"\nrto = \"soon\"", problem{26, "service[2].rto", `"soon" is not a duration`}},
		{"environment not listed", "[[operator]]", "[[environment]]\nname = \"production\"\n\n[[operator]]", problem{25, "service[2].environment", `"prod" is not a [[environment]] name in this plan; use one of "production"`}},
		{"endpoint on a licence", "[[operator]]", "[[licence]]\nname = \"l\"\nexpires = 2026-12-01\nowner = \"web\"\nendpoint = \"api.example.com:443\"\n\n[[operator]]", problem{38, "licence[1].endpoint", "only a certificate is served by an endpoint"}},
		{"incident without urgency", "[[operator]]", "[[licence]]\nname = \"l\"\nexpires = 2026-12-01\nowner = \"web\"\nincident = { impact = \"high\" }\n\n[[operator]]", problem{38, "licence[1].incident", "give both impact and urgency"}},
		{"usage without a limit", "[[operator]]", "[[licence]]\nname = \"l\"\nexpires = 2026-12-01\nowner = \"web\"\nusage = { in_use = 3 }\n\n[[operator]]", problem{38, "licence[1].usage.limit", "0: give how many the licence allows"}},
		{"responsibility contact", "[[operator]]", "[[responsibility]]\narea = \"database administration\"\ncontacts = [\"DBA on-call\"]\n\n[[operator]]", problem{36, "responsibility[1].contacts[1]", `"DBA on-call" is not a [[contact]] name in this plan; use one of "Web on-call"`}},
		{"review owner", "[[operator]]", "[support]\nreview = { every = \"7d\", owner = \"Nobody\" }\n\n[[operator]]", problem{35, "support.review.owner", `"Nobody" is not a [[contact]] name`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(valid, tt.old) {
				t.Fatalf("valid.toml has no %q", tt.old)
			}
			_, err := Parse("plan.toml", []byte(strings.Replace(valid, tt.old, tt.new, 1)))
			var ce *CheckError
			if !errors.As(err, &ce) {
				t.Fatalf("Parse: %v, want a *CheckError", err)
			}
			got, w := ce.Problems[0], tt.want
			if len(ce.Problems) != 1 || got.Line != w.line || got.Field != w.field || !strings.Contains(got.Msg, w.msg) {
				t.Errorf("got:\n%v\nwant line %d, field %q, message containing %q", err, w.line, w.field, w.msg)
			}
		})
	}
}

// Files saved on Windows have CRLF line ends; lines must still be right.
func TestCRLFLines(t *testing.T) {
	src := strings.ReplaceAll(readFile(t, "testdata/multiple.toml"), "\n", "\r\n")
	_, err := Parse("crlf.toml", []byte(src))
	var ce *CheckError
	if !errors.As(err, &ce) || len(ce.Problems) != 9 || ce.Problems[0].Line != 15 || ce.Problems[8].Line != 53 {
		t.Fatalf("Parse = %v", err)
	}
}

func TestAlertRules(t *testing.T) {
	base := readFile(t, "testdata/valid.toml") // has no [alerts] section
	p, err := Parse("plan.toml", []byte(base+"\n[alerts]\nflap_changes = 6\nstorm_window = \"10m\"\nauto_resolve = true\n"))
	if err != nil {
		t.Fatal(err)
	}
	r := p.AlertRules()
	def := model.DefaultAlertRules()
	if r.FlapChanges != 6 || r.StormWindow != 10*time.Minute || !r.AutoResolve || r.StormSize != def.StormSize || r.AfterChange != def.AfterChange {
		t.Fatalf("rules = %+v", r)
	}
	_, err = Parse("plan.toml", []byte(base+"\n[alerts]\nflap_changes = -1\nflap_window = \"soon\"\n"))
	if err == nil || !strings.Contains(err.Error(), "alerts.flap_changes") || !strings.Contains(err.Error(), "alerts.flap_window") {
		t.Fatalf("bad [alerts] not reported: %v", err)
	}
	// Who may silence: operators unless the plan says otherwise.
	if r.SilenceRole != model.RoleOperator {
		t.Fatalf("default silence_role = %v", r.SilenceRole)
	}
	if p, err = Parse("plan.toml", []byte(base+"\n[alerts]\nsilence_role = \"lead\"\n")); err != nil || p.AlertRules().SilenceRole != model.RoleLead {
		t.Fatalf("silence_role = lead: %v", err)
	}
	for _, bad := range []string{"boss", "viewer"} {
		_, err = Parse("plan.toml", []byte(base+"\n[alerts]\nsilence_role = \""+bad+"\"\n"))
		if err == nil || !strings.Contains(err.Error(), "alerts.silence_role") {
			t.Errorf("silence_role = %q not reported: %v", bad, err)
		}
	}
}

func TestRetention(t *testing.T) {
	base := readFile(t, "testdata/valid.toml") // has no [retention] section
	p, err := Parse("plan.toml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Retention(); got != model.DefaultRetention() {
		t.Fatalf("no [retention]: %+v, want the defaults", got)
	}
	p, err = Parse("plan.toml", []byte(base+"\n[retention]\nalerts = \"30d\"\naudit = \"forever\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := model.DefaultRetention()
	want.Alerts, want.Audit = 30*24*time.Hour, 0
	if got := p.Retention(); got != want {
		t.Fatalf("retention = %+v, want %+v", got, want)
	}
	p, err = Parse("plan.toml", []byte(base+"\n[retention]\nalerts = \"forever\"\nalert_history = \"forever\"\naudit = \"forever\"\n"))
	if err != nil || p.Retention() != (model.Retention{}) {
		t.Fatalf("all forever = %+v, %v; want nothing pruned", p.Retention(), err)
	}
	for _, tt := range []struct{ text, field, msg string }{
		{`alerts = "12h"`, "retention.alerts", `"12h" is less than a day; keep records at least "1d"`},
		{`alert_history = "soon"`, "retention.alert_history", `"soon" is not a duration`},
		{`audit = "0d"`, "retention.audit", "is not a positive duration"},
		{`audit = 90`, "retention.audit", "found 90; write text in quotes"},
		{`alert = "30d"`, "retention.alert", "unknown key; check the spelling (known here: alert_history, alerts, audit)"},
	} {
		_, err := Parse("plan.toml", []byte(base+"\n[retention]\n"+tt.text+"\n"))
		var ce *CheckError
		if !errors.As(err, &ce) || len(ce.Problems) != 1 || ce.Problems[0].Field != tt.field || !strings.Contains(ce.Problems[0].Msg, tt.msg) {
			t.Errorf("%s: got %v; want %s: …%s…", tt.text, err, tt.field, tt.msg)
		}
	}
}

func TestAlertSources(t *testing.T) {
	base := readFile(t, "testdata/valid.toml")
	t.Setenv("HC_TEST_AM_TOKEN", "s3cret")
	p, err := Parse("plan.toml", []byte(base+`
[[source]]
name = "alertmanager"
repeat_interval = "1h"
resolve_stale = true
token_env = "HC_TEST_AM_TOKEN"
alertmanager_url = "http://am:9093/"

[[source]]
name = "grafana"
repeat_interval = "never"
`))
	if err != nil {
		t.Fatal(err)
	}
	am := p.AlertSource("alertmanager")
	if am.RepeatInterval != time.Hour || am.StaleAfter() != time.Hour+15*time.Minute || !am.ResolveStale ||
		am.Token != "s3cret" || am.AlertmanagerURL != "http://am:9093" {
		t.Fatalf("alertmanager = %+v", am)
	}
	if g := p.AlertSource("grafana"); g.StaleAfter() != 0 {
		t.Fatalf("grafana with repeat_interval never = %+v", g)
	}
	if pd := p.AlertSource("pagerduty"); pd.StaleAfter() != 0 {
		t.Fatalf("pagerduty by default = %+v; it does not repeat", pd)
	}
	var names []string
	for _, s := range p.AlertSources() {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "alertmanager,"+model.IntakeSource {
		t.Fatalf("sources that can go stale: %v; want the plan's alertmanager and the intake errors (grafana repeats never here)", names)
	}

	for _, tt := range []struct{ source, field, msg string }{
		{`name = "am"` + "\nrepeat_interval = \"soon\"", "source[1].repeat_interval", "soon"},
		{`name = "am"` + "\ntoken = \"a\"\ntoken_env = \"B\"", "source[1].token_env", "not both"},
		{`name = "pagerduty"` + "\nresolve_stale = true", "source[1].resolve_stale", "never go stale"},
		{`name = "am"` + "\ntoken_env = \"HC_TEST_UNSET_VARIABLE\"", "source[1].token_env", "HC_TEST_UNSET_VARIABLE is not set"},
		{`name = "am"` + "\nalertmanager_url = \"am:9093\"", "source[1].alertmanager_url", "not an http:// or https:// URL"},
		{`repeat_interval = "1h"`, "source[1].name", "missing"},
	} {
		_, err := Parse("plan.toml", []byte(base+"\n[[source]]\n"+tt.source+"\n"))
		var ce *CheckError
		if !errors.As(err, &ce) || ce.Problems[0].Field != tt.field || !strings.Contains(ce.Problems[0].Msg, tt.msg) {
			t.Errorf("%s: got %v; want %s: …%s…", tt.source, err, tt.field, tt.msg)
		}
	}
}
