package plan

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// validWith parses testdata/valid.toml with extra TOML appended.
func validWith(t *testing.T, extra string) *Plan {
	t.Helper()
	p, err := Parse("plan.toml", []byte(readFile(t, "testdata/valid.toml")+extra))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMaintenanceBetween(t *testing.T) {
	example := loadExample(t)
	london := example.Location()
	at := func(month time.Month, day, hour, minute int) time.Time {
		return time.Date(2026, month, day, hour, minute, 0, 0, london)
	}
	count := func(occ []Occurrence, service string) int {
		n := 0
		for _, o := range occ {
			if o.Service == service {
				n++
			}
		}
		return n
	}

	t.Run("a week of the example plan", func(t *testing.T) {
		occ := example.MaintenanceBetween(at(11, 23, 0, 0), at(11, 30, 0, 0)) // Monday to Monday
		for service, want := range map[string]int{
			"notifications": 5, // mon-fri
			"psp-gateway":   2, // tue, thu
			"catalog":       2, // sun, wed
			"orders-db":     1,
			"settlement":    0, // no windows
		} {
			if got := count(occ, service); got != want {
				t.Errorf("%s: %d windows, want %d", service, got, want)
			}
		}
		for i := 1; i < len(occ); i++ {
			if occ[i].Start.Before(occ[i-1].Start) {
				t.Fatalf("not ordered by start: %v before %v", occ[i-1].Start, occ[i].Start)
			}
		}
		db := occ[slices.IndexFunc(occ, func(o Occurrence) bool { return o.Service == "orders-db" })]
		if !db.Start.Equal(at(11, 29, 3, 0)) || !db.End.Equal(at(11, 29, 5, 0)) || db.Label != "Orders database (PostgreSQL 16, db-1..db-3) maintenance" {
			t.Errorf("orders-db window = %+v", db)
		}
	})

	t.Run("a window already running at the start of the range", func(t *testing.T) {
		occ := example.MaintenanceBetween(at(11, 29, 4, 30), at(11, 29, 4, 45))
		if count(occ, "orders-db") != 1 || count(occ, "storefront") != 0 {
			t.Errorf("got %+v, want only the orders-db window that runs until 05:00", occ)
		}
	})

	t.Run("wall clock kept across the end of summer time", func(t *testing.T) {
		p := validWith(t, `
[[service]]
id          = "batch"
tier        = 3
owner       = "web"
maintenance = [{ days = ["sun"], start = "03:00", duration = "2h" }]
`)
		// Clocks go back at 02:00 BST on Sunday 25 October 2026.
		occ := p.MaintenanceBetween(at(10, 17, 0, 0), at(11, 2, 0, 0))
		if len(occ) != 3 {
			t.Fatalf("%d windows, want 3: %+v", len(occ), occ)
		}
		for _, o := range occ {
			if local := o.Start.In(london); local.Hour() != 3 || local.Weekday() != time.Sunday || o.End.Sub(o.Start) != 2*time.Hour {
				t.Errorf("window %s to %s, want Sunday 03:00 for 2h", o.Start, o.End)
			}
		}
		if utc := []int{occ[0].Start.UTC().Hour(), occ[1].Start.UTC().Hour()}; utc[0] != 2 || utc[1] != 3 {
			t.Errorf("UTC hours %v, want 2 (BST) then 3 (GMT)", utc)
		}
		if gap := occ[1].Start.Sub(occ[0].Start); gap != 7*24*time.Hour+time.Hour {
			t.Errorf("a week apart by %s, want 169h: the week with the change is an hour longer", gap)
		}
	})
}

func TestRunsBetween(t *testing.T) {
	example := loadExample(t)
	london := example.Location()
	runs := example.RunsBetween(time.Date(2026, 11, 20, 0, 0, 0, 0, london), time.Date(2026, 11, 21, 0, 0, 0, 0, london))
	per := map[string]int{}
	for _, r := range runs {
		per[r.Job.ID]++
	}
	want := map[string]int{"nightly-settlement": 1, "backup-orders-db": 1, "reporting-extract": 1, "price-feed": 24, "stock-feed": 288}
	for id, n := range want {
		if per[id] != n {
			t.Errorf("%s: %d runs, want %d", id, per[id], n)
		}
	}
	settle := runs[slices.IndexFunc(runs, func(r Run) bool { return r.Job.ID == "nightly-settlement" })]
	if !settle.Start.Equal(time.Date(2026, 11, 20, 2, 30, 0, 0, london)) || !settle.Due.Equal(time.Date(2026, 11, 20, 3, 0, 0, 0, london)) {
		t.Errorf("settlement run %s due %s", settle.Start, settle.Due)
	}
	if j, _ := example.Job("stock-feed"); !j.Frequent() {
		t.Error("the five-minute stock feed is not frequent")
	}
	if j, _ := example.Job("price-feed"); !j.Frequent() {
		t.Error("the hourly price feed is not frequent")
	}
	if j, _ := example.Job("backup-orders-db"); j.Frequent() {
		t.Error("the nightly backup is frequent")
	}

	t.Run("hourly across the end of summer time", func(t *testing.T) {
		p := validWith(t, `
[[job]]
id       = "sync"
service  = "db"
schedule = "15 * * * *"
grace    = "10m"
`)
		// 25 October 2026 is 25 hours long in London.
		runs := p.RunsBetween(time.Date(2026, 10, 25, 0, 0, 0, 0, london), time.Date(2026, 10, 26, 0, 0, 0, 0, london))
		if len(runs) != 25 {
			t.Fatalf("%d runs, want 25", len(runs))
		}
		for i, r := range runs {
			if r.Start.Minute() != 15 || i > 0 && r.Start.Sub(runs[i-1].Start) != time.Hour {
				t.Fatalf("run %d at %s", i, r.Start)
			}
		}
	})
}

// TestCronSchedule is when a job's runs are expected, in the plan's
// timezone (Europe/Berlin here), across midnight and both DST changes of
// 2026: the clocks go forward at 02:00 on Sunday 29 March and back at 03:00
// on Sunday 25 October.
func TestCronSchedule(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := func(month time.Month, day, hour, minute int) time.Time {
		return time.Date(2026, month, day, hour, minute, 0, 0, berlin)
	}
	// cest and cet are the two passes of the repeated hour on 25 October.
	cest := func(hour, minute int) time.Time { return time.Date(2026, 10, 25, hour-2, minute, 0, 0, time.UTC) }
	cet := func(hour, minute int) time.Time { return time.Date(2026, 10, 25, hour-1, minute, 0, 0, time.UTC) }
	tests := []struct {
		name     string
		schedule string
		from     time.Time
		want     []time.Time
	}{
		{"daily across midnight", "30 23 * * *", at(3, 10, 23, 0), []time.Time{at(3, 10, 23, 30), at(3, 11, 23, 30), at(3, 12, 23, 30)}},
		{"at midnight", "0 0 * * *", at(3, 10, 23, 59), []time.Time{at(3, 11, 0, 0), at(3, 12, 0, 0), at(3, 13, 0, 0)}},
		{"weekdays skip the weekend", "0 6 * * mon-fri", at(3, 13, 7, 0), []time.Time{at(3, 16, 6, 0), at(3, 17, 6, 0), at(3, 18, 6, 0)}},
		// 02:30 does not exist on 29 March: that night's run is not expected.
		{"in the skipped hour", "30 2 * * *", at(3, 28, 12, 0), []time.Time{at(3, 30, 2, 30), at(3, 31, 2, 30), at(4, 1, 2, 30)}},
		{"after the skipped hour", "30 3 * * *", at(3, 28, 12, 0), []time.Time{at(3, 29, 3, 30), at(3, 30, 3, 30), at(3, 31, 3, 30)}},
		{"hourly over the skipped hour", "15 * * * *", at(3, 29, 0, 30), []time.Time{at(3, 29, 1, 15), at(3, 29, 3, 15), at(3, 29, 4, 15)}},
		// 02:30 comes twice on 25 October: a fixed-hour run is expected at the first.
		{"in the repeated hour", "30 2 * * *", at(10, 24, 12, 0), []time.Time{cest(2, 30), at(10, 26, 2, 30), at(10, 27, 2, 30)}},
		{"every 20 minutes in the repeated hour", "*/20 2 * * *", at(10, 25, 1, 30), []time.Time{cest(2, 0), cest(2, 20), cest(2, 40), at(10, 26, 2, 0)}},
		{"hourly runs in both passes", "15 * * * *", at(10, 25, 1, 30), []time.Time{cest(2, 15), cet(2, 15), at(10, 25, 3, 15)}},
		{"descriptor", "@daily", at(10, 24, 12, 0), []time.Time{at(10, 25, 0, 0), at(10, 26, 0, 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := parseCron(tt.schedule, berlin)
			if err != nil {
				t.Fatal(err)
			}
			got := []time.Time{}
			for t0 := tt.from; len(got) < len(tt.want); {
				t0 = s.Next(t0)
				got = append(got, t0)
			}
			for i := range got {
				if !got[i].Equal(tt.want[i]) {
					t.Fatalf("runs %v, want %v", got, tt.want)
				}
			}
		})
	}

	for _, bad := range []struct{ in, want string }{
		{"daily 02:30", `"daily 02:30" is not a cron schedule (expected exactly 5 fields, found 2`},
		{"61 * * * *", "is not a cron schedule"},
		{"@every 5m", "has no fixed times"},
		{"TZ=UTC 0 2 * * *", "remove the TZ= prefix"},
		{"0 0 2 * * *", "expected exactly 5 fields"},
	} {
		if _, err := parseCron(bad.in, berlin); err == nil || !strings.Contains(err.Error(), bad.want) || !strings.Contains(err.Error(), `"30 2 * * *"`) && !strings.Contains(err.Error(), "TZ=") {
			t.Errorf("parseCron(%q) = %v, want %q and an example", bad.in, err, bad.want)
		}
	}
}

func TestJobChecks(t *testing.T) {
	for _, tt := range []struct{ name, job, field, want string }{
		{"bad schedule", `schedule = "every night"`, "job[1].schedule", `"every night" is not a cron schedule`},
		{"no schedule", ``, "job[1].schedule", "missing; add a cron schedule"},
		{"rpo not a backup", `schedule = "0 2 * * *"` + "\nrpo = \"26h\"", "job[1].rpo", `is for backups`},
		{"bad on_miss", `schedule = "0 2 * * *"` + "\non_miss = \"page\"", "job[1].on_miss", `"page": use an alert severity`},
		{"bad priority", `schedule = "0 2 * * *"` + "\non_miss = \"incident P9\"", "job[1].on_miss", `"incident P9"`},
		{"bad owner", `schedule = "0 2 * * *"` + "\nowner = \"nobody\"", "job[1].owner", `"nobody" is not a team id`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := readFile(t, "testdata/valid.toml") + "\n[[job]]\nid = \"sync\"\nservice = \"db\"\n" + tt.job + "\n"
			_, err := Parse("plan.toml", []byte(src))
			var ce *CheckError
			if !errors.As(err, &ce) || len(ce.Problems) != 1 || ce.Problems[0].Field != tt.field || !strings.Contains(ce.Problems[0].Msg, tt.want) {
				t.Fatalf("Parse = %v; want one problem on %s: %s", err, tt.field, tt.want)
			}
			if ce.Problems[0].Line == 0 && tt.job != "" {
				t.Errorf("problem %v has no line", ce.Problems[0])
			}
		})
	}
	p := validWith(t, "\n[[job]]\nid = \"dump\"\nservice = \"db\"\nschedule = \"0 2 * * *\"\nkind = \"Backup\"\nrpo = \"26h\"\non_miss = \"incident P2\"\n")
	j, _ := p.Job("dump")
	spec := j.Spec()
	if spec.Kind != model.JobBackup || spec.RPO != 26*time.Hour || spec.MissIncident != 2 || spec.MissSeverity != model.SevCritical ||
		spec.Grace != 30*time.Minute || spec.Owner == "" || spec.Name != "dump" {
		t.Errorf("spec = %+v", spec)
	}
}

func TestFreezesBetween(t *testing.T) {
	p := loadExample(t)
	london := p.Location()
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, london) }
	tests := []struct {
		from, to time.Time
		want     string
	}{
		{day(20), day(21), "Go-live stabilisation"},
		{day(23), day(26), ""},
		{day(30).Add(23 * time.Hour), day(30).Add(24 * time.Hour), "Black Friday to Cyber Monday"}, // end date is inclusive
		{day(30).Add(24 * time.Hour), day(30).Add(25 * time.Hour), ""},
		{day(1), day(30), "Go-live stabilisation, Black Friday to Cyber Monday"},
		{time.Date(2026, 12, 10, 17, 0, 0, 0, london), time.Date(2026, 12, 10, 18, 0, 0, 0, london), ""},
		{time.Date(2026, 12, 10, 17, 0, 0, 0, london), time.Date(2026, 12, 10, 18, 1, 0, 0, london), "Christmas trading"},
	}
	for _, tt := range tests {
		var names []string
		for _, f := range p.FreezesBetween(tt.from, tt.to) {
			names = append(names, f.Name)
		}
		if got := strings.Join(names, ", "); got != tt.want {
			t.Errorf("%s to %s: %q, want %q", tt.from, tt.to, got, tt.want)
		}
	}
	bf := p.Freezes[1]
	if !bf.Hard || !bf.Applies("checkout") || bf.Applies("reporting") || !p.Freezes[0].Applies("reporting") {
		t.Errorf("Applies wrong for %+v", bf)
	}
}

func TestDay(t *testing.T) {
	p := loadExample(t)
	london := p.Location()
	tests := []struct {
		now  time.Time
		want int
	}{
		{time.Date(2026, 11, 18, 23, 59, 0, 0, london), 0},
		{time.Date(2026, 11, 19, 0, 0, 0, 0, london), 1},
		{time.Date(2026, 11, 19, 23, 59, 0, 0, london), 1},
		{time.Date(2026, 11, 20, 0, 0, 0, 0, london), 2},
		{time.Date(2026, 12, 16, 12, 0, 0, 0, london), 28},
		{time.Date(2027, 1, 5, 12, 0, 0, 0, london), 28},
		// Days follow the London calendar, whatever zone now is in.
		{time.Date(2026, 11, 19, 20, 0, 0, 0, time.FixedZone("EST", -5*3600)), 2},
	}
	for _, tt := range tests {
		day, total := p.Day(tt.now)
		if day != tt.want || total != 28 {
			t.Errorf("Day(%s) = %d of %d, want %d of 28", tt.now, day, total, tt.want)
		}
	}
}

func TestSLADue(t *testing.T) {
	p := loadExample(t)
	london := p.Location()
	at := func(month time.Month, day, hour, minute int) time.Time {
		return time.Date(2026, month, day, hour, minute, 0, 0, london)
	}
	tests := []struct {
		name    string
		kind    model.Kind
		pr      model.Priority
		from    time.Time
		respond time.Time
		resolve time.Time
	}{
		{"P1 is 24x7", model.KindIncident, 1, at(11, 21, 23, 0), at(11, 21, 23, 15), at(11, 22, 3, 0)},
		{"P4 on Friday afternoon runs into Monday", model.KindIncident, 4, at(11, 20, 16, 0), at(11, 23, 10, 0), at(11, 27, 16, 0)},
		{"P4 at the weekend starts on Monday", model.KindIncident, 4, at(11, 21, 10, 0), at(11, 23, 12, 0), at(11, 27, 18, 0)},
		{"P4 ending exactly at closing", model.KindIncident, 4, at(11, 20, 14, 0), at(11, 20, 18, 0), at(11, 27, 14, 0)},
		{"P3 skips the St Andrew's Day holiday", model.KindIncident, 3, at(11, 26, 9, 0), at(11, 26, 10, 0), at(12, 1, 9, 0)},
		{"request before opening", model.KindRequest, 3, at(11, 24, 6, 0), at(11, 24, 12, 0), at(11, 26, 18, 0)},
		{"no target", model.KindIncident, 7, at(11, 24, 6, 0), time.Time{}, time.Time{}},
	}
	for _, tt := range tests {
		if got := p.RespondBy(tt.kind, tt.pr, tt.from); !got.Equal(tt.respond) {
			t.Errorf("%s: respond by %s, want %s", tt.name, got, tt.respond)
		}
		if got := p.ResolveBy(tt.kind, tt.pr, tt.from); !got.Equal(tt.resolve) {
			t.Errorf("%s: resolve by %s, want %s", tt.name, got, tt.resolve)
		}
	}
}

// TestBusinessClock checks the business-hours clock both ways: Between
// counts only opening hours, and Add then Between gives back the duration.
// The desk works 08:00-18:00 Monday to Friday in London, St Andrew's Day
// (30 Nov 2026) off.
func TestBusinessClock(t *testing.T) {
	p := loadExample(t)
	clock := p.SLAFor(model.KindIncident, 4).Clock
	london := p.Location()
	at := func(y int, month time.Month, day, hour, minute int) time.Time {
		return time.Date(y, month, day, hour, minute, 0, 0, london)
	}
	tests := []struct {
		name     string
		from, to time.Time
		want     time.Duration
	}{
		{"within one day", at(2026, 11, 24, 9, 0), at(2026, 11, 24, 11, 30), 150 * time.Minute},
		{"overnight counts nothing", at(2026, 11, 24, 17, 0), at(2026, 11, 25, 9, 0), 2 * time.Hour},
		{"weekend counts nothing", at(2026, 11, 20, 17, 0), at(2026, 11, 23, 9, 0), 2 * time.Hour},
		{"holiday counts nothing", at(2026, 11, 27, 17, 0), at(2026, 12, 1, 9, 0), 2 * time.Hour},
		{"wholly outside hours", at(2026, 11, 21, 10, 0), at(2026, 11, 22, 23, 0), 0},
		{"a full week", at(2026, 11, 2, 0, 0), at(2026, 11, 9, 0, 0), 50 * time.Hour},
		{"backwards is nothing", at(2026, 11, 24, 11, 0), at(2026, 11, 24, 9, 0), 0},
		// 25 Oct 2026 clocks go back (a 25-hour Sunday); 29 Mar 2026 forward.
		// Opening hours are wall-clock hours, so the weeks around them are
		// still 50 business hours, and days keep 10 hours.
		{"week across autumn DST", at(2026, 10, 22, 8, 0), at(2026, 10, 29, 8, 0), 50 * time.Hour},
		{"week across spring DST", at(2026, 3, 26, 8, 0), at(2026, 4, 2, 8, 0), 50 * time.Hour},
		{"monday after autumn DST", at(2026, 10, 26, 0, 0), at(2026, 10, 27, 0, 0), 10 * time.Hour},
	}
	for _, tt := range tests {
		if got := clock.Between(tt.from, tt.to); got != tt.want {
			t.Errorf("%s: Between = %s, want %s", tt.name, got, tt.want)
		}
		if tt.want > 0 {
			// Add from the start lands where the business time runs out;
			// Between from the start to there gives the time back.
			end := clock.Add(tt.from, tt.want)
			if got := clock.Between(tt.from, end); got != tt.want {
				t.Errorf("%s: Between(from, Add(from, %s)) = %s", tt.name, tt.want, got)
			}
			if end.After(tt.to) {
				t.Errorf("%s: Add = %s, after %s", tt.name, end, tt.to)
			}
		}
	}
	// Opening on the Monday after the autumn change is 08:00 GMT, not 07:00.
	if got := clock.Add(at(2026, 10, 24, 12, 0), time.Minute); !got.Equal(at(2026, 10, 26, 8, 1)) {
		t.Errorf("Add across the autumn change = %s, want Monday 08:01 London", got.In(london))
	}
	// 24x7 priorities count every hour, DST included: the 25-hour Sunday.
	wall := p.SLAFor(model.KindIncident, 1).Clock
	if got := wall.Between(at(2026, 10, 25, 0, 0), at(2026, 10, 26, 0, 0)); got != 25*time.Hour {
		t.Errorf("24x7 clock over the autumn change = %s, want 25h", got)
	}
	if got := wall.Add(at(2026, 3, 29, 0, 30), time.Hour); !got.Equal(at(2026, 3, 29, 2, 30)) {
		t.Errorf("24x7 Add across the spring change = %s, want 02:30 BST", got.In(london))
	}
}

// A change collides with the nightly jobs on its services, not with the
// feeds that run every few minutes or every hour.
func TestChangeCalendarJobs(t *testing.T) {
	p := loadExample(t)
	london := p.Location()
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, london)
	cal := p.ChangeCalendar([]string{"catalog", "orders-db"}, day, day.Add(24*time.Hour))
	var jobs []string
	for _, r := range cal.Runs {
		jobs = append(jobs, r.Job)
	}
	if len(jobs) != 1 || jobs[0] != "backup-orders-db" || !cal.Runs[0].Backup {
		t.Errorf("runs %v, want the orders-db backup alone", jobs)
	}
}
