package plan

import (
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
	want := map[string]int{"nightly-settlement": 1, "backup-orders-db": 1, "reporting-extract": 1, "price-feed": 24}
	for id, n := range want {
		if per[id] != n {
			t.Errorf("%s: %d runs, want %d", id, per[id], n)
		}
	}
	settle := runs[slices.IndexFunc(runs, func(r Run) bool { return r.Job.ID == "nightly-settlement" })]
	if !settle.Start.Equal(time.Date(2026, 11, 20, 2, 30, 0, 0, london)) || !settle.Due.Equal(time.Date(2026, 11, 20, 4, 0, 0, 0, london)) {
		t.Errorf("settlement run %s due %s", settle.Start, settle.Due)
	}

	t.Run("hourly across the end of summer time", func(t *testing.T) {
		p := validWith(t, `
[[job]]
id       = "sync"
service  = "db"
schedule = "hourly :15"
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

func TestParseSchedule(t *testing.T) {
	tests := []struct {
		in   string
		want recurrence
		ok   bool
	}{
		{"daily 02:30", recurrence{days: everyDay, at: 150 * time.Minute}, true},
		{"hourly :15", recurrence{days: everyDay, at: 15 * time.Minute, hourly: true}, true},
		{"mon,thu 06:00", recurrence{days: weekdays{time.Monday: true, time.Thursday: true}, at: 6 * time.Hour}, true},
		{"hourly 15", recurrence{}, false},
		{"hourly :60", recurrence{}, false},
		{"daily 25:00", recurrence{}, false},
		{"monday 06:00", recurrence{}, false},
		{"nightly", recurrence{}, false},
	}
	for _, tt := range tests {
		got, err := parseSchedule(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("parseSchedule(%q) = %+v, %v", tt.in, got, err)
		}
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
