package consoletest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/ui/uitest"
)

// london is a wall-clock time in the example plan's timezone (GMT in November).
func london(day, hour, minute int) time.Time {
	return time.Date(2026, 11, day, hour, minute, 0, 0, time.UTC)
}

// seedJobs reports four nights of the example plan's jobs through the
// desk, as their schedulers would, and sweeps once: the orders-db backup
// ran twice, failed on the 24th and was missed on the 25th, so the newest
// good backup is older than its RPO; the settlement batch ran late on the
// 24th; the stock feed reports every five minutes.
func seedJobs(t *testing.T, s *stack) {
	t.Helper()
	ok, failed := model.HeartbeatOK, model.HeartbeatFailed
	beat := func(job string, st model.HeartbeatStatus, at time.Time, took time.Duration, size int64, msg string) {
		s.clk.set(at)
		if _, err := s.desk.RecordHeartbeat(s.ctx, model.System, model.Heartbeat{Job: job, Status: st, At: at, Duration: took, Size: size, Message: msg}); err != nil {
			t.Fatal(err)
		}
	}
	sweep := func(at time.Time) {
		s.clk.set(at)
		if _, err := s.desk.SweepJobs(s.ctx, at); err != nil {
			t.Fatal(err)
		}
	}
	defer s.clk.set(now)
	sweep(london(25, 1, 59)) // hypercare starts watching the jobs
	for i, night := range []int{22, 23, 24, 25} {
		settle := []time.Duration{45, 52, 110, 48}[i] * time.Minute // the 24th's ended after 04:00
		beat("nightly-settlement", ok, london(night, 2, 30).Add(settle), settle, 0, "")
		beat("reporting-extract", ok, london(night, 5, 0).Add(time.Duration(15+i)*time.Minute), time.Duration(15+i)*time.Minute, 2<<20, "")
		switch night {
		case 22, 23:
			took := time.Duration(38+3*i) * time.Minute
			beat("backup-orders-db", ok, london(night, 2, 0).Add(took), took, int64(70+i)<<30, "")
		case 24:
			beat("backup-orders-db", failed, london(night, 2, 12), 12*time.Minute, 0, "pgbackrest: no space left on /backup")
		}
	}
	for slot := london(25, 2, 0); slot.Before(london(25, 2, 30)); slot = slot.Add(5 * time.Minute) {
		beat("stock-feed", ok, slot.Add(40*time.Second), 40*time.Second, 0, "")
	}
	sweep(london(25, 2, 31)) // the backup's 02:00 run is missed
	for slot := london(25, 12, 0); slot.Before(london(25, 14, 0)); slot = slot.Add(5 * time.Minute) {
		beat("stock-feed", ok, slot.Add(time.Duration(30+slot.Minute())*time.Second), time.Duration(30+slot.Minute())*time.Second, 0, "")
	}
	for _, hour := range []int{10, 11, 12, 13} {
		if hour == 11 {
			beat("price-feed", failed, london(25, hour, 19), 4*time.Minute, 0, "ERP file has 2,140 rows with price 0")
			continue
		}
		beat("price-feed", ok, london(25, hour, 19), 4*time.Minute, 0, "")
	}
}

// J opens the jobs and backups: each job's recent runs, success rate,
// duration trend, next run and RPO; enter opens a job with its chart and
// runs; esc steps back.
func TestJobsView(t *testing.T) {
	for _, size := range [][2]int{{uitest.SmallW, uitest.SmallH}, {uitest.LargeW, uitest.LargeH}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			s := seeded(t)
			seedJobs(t, s)
			_, tm := s.console(viewer, size[0], size[1])
			tm.Press("J")
			list := tm.WaitForPane("Jobs & backups", "backup-orders-db", "stock-feed")
			for _, want := range []string{"✓✓✗∅", "✓✓◷✓", "50%", "BREACH +1d9h", "✓✓✓✓✓✓"} {
				if !strings.Contains(list, want) {
					t.Errorf("the jobs list lacks %q:\n%s", want, list)
				}
			}
			if size[0] == uitest.LargeW {
				// The header's exit tally is read on its own; the golden has it.
				tm.WaitFor("exit 2/9")
				uitest.Golden(t, tm.Final())
				return
			}
			uitest.Golden(t, list)
			tm.Press("j", "enter")
			tm.WaitFor("orders-db nightly backup · backup-orders-db", "RPO BREACHED by 1d9h", "Duration", "pgbackrest: no space left")
			tm.Press("esc")
			tm.WaitForPane("Jobs & backups", "backup-orders-db")
			tm.Press("esc")
			tm.WaitForPane("Incidents", "INC-3")
			tm.Final()
		})
	}
}

// :jobs JOB opens one job's detail over the list.
func TestJobsCommand(t *testing.T) {
	s := seeded(t)
	seedJobs(t, s)
	_, tm := s.console(operator, uitest.LargeW, uitest.LargeH)
	tm.Press(":", "jobs nightly-settlement", "enter")
	view := tm.WaitFor("Nightly settlement batch · nightly-settlement", "P2 incident", "◷ late", "1h50m", "exit 2/9")
	for _, want := range []string{"100% of the last 4 ended runs succeeded", "next run Thu 26 Nov 02:30", `schedule "30 2 * * *"`} {
		if !strings.Contains(view, want) {
			t.Errorf("the job's detail lacks %q", want)
		}
	}
	uitest.Golden(t, view)
	tm.Press(":", "jobs nope", "enter")
	tm.WaitFor(`"nope" is not a job of the plan`)
	tm.Final()
}

// The calendar shows each scheduled run with how it went: the week grid
// sums up the good ones and names those that failed, were missed or ran
// late; a frequent feed's troubles are summed up per day.
func TestJobRunsOnTheCalendar(t *testing.T) {
	s := seeded(t)
	seedJobs(t, s)
	_, tm := s.console(viewer, uitest.LargeW, uitest.LargeH)
	tm.Press("3", "z")
	cal := tm.WaitForPane("Changes", "✗ 02:00 backup-orders-db", "∅ 02:00 backup-orders-db", "◷ 02:30 nightly-settlement", "✗ 11:15 price-feed")
	for _, want := range []string{"failed", "missed", "late", "1 failed"} {
		if !strings.Contains(cal, want) {
			t.Errorf("the calendar lacks %q:\n%s", want, cal)
		}
	}
	tm.Press("v", "v", "left") // the day view, Tuesday
	tm.WaitForPane("Changes", "Tue 24 Nov", "◷ 02:30 nightly-settlement late", "✗ 02:00 backup-orders-db failed", "✓ 05:00 extract reporting")
	tm.Final()
}
