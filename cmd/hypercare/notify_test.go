package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// The seeded P1 on checkout is major by the rule (tier 1): the example
// plan tells the war room on Slack, the stakeholders by e-mail and the
// ITSM bridge. list notifications shows each message and where it goes,
// a webhook URL cut to its host; --format json carries the same rows.
func TestListNotifications(t *testing.T) {
	db, _ := seeded(t)
	code, out, errOut := cli(t, "--db", db, "list", "notifications")
	if code != exitOK {
		t.Fatalf("list notifications: %d %s", code, errOut)
	}
	for _, want := range []string{"REF", "TRIES", "p1_opened", "major_declared", "INC-1", "slack", "$ORION_WAR_ROOM_SLACK_URL",
		"it-leadership@orion-retail.example", "https://itsm.orion-retail.example/…", "pending", "0/8", "INC-1 P1 opened: Checkout red 502s"} {
		if !strings.Contains(out, want) {
			t.Fatalf("the list lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "/hooks/hypercare") {
		t.Fatalf("a webhook's path is shown:\n%s", out)
	}
	code, out, errOut = cli(t, "--db", db, "list", "notifications", "--format", "json", "--filter", "INC-1")
	var rows []struct {
		Ref    string `json:"ref"`
		Event  string `json:"event"`
		Target string `json:"target"`
		State  string `json:"state"`
	}
	if err := json.Unmarshal([]byte(out), &rows); code != exitOK || err != nil || len(rows) != 6 {
		t.Fatalf("--format json: %d %v %d rows\n%s%s", code, err, len(rows), out, errOut)
	}
	for _, r := range rows {
		if r.Ref == "" || r.State != "pending" || strings.Contains(r.Target, "/hooks/") {
			t.Fatalf("row %+v", r)
		}
	}
	if code, out, _ := cli(t, "--db", db, "list", "notifications", "--json", "--filter", "failed"); code != exitOK || strings.TrimSpace(out) != "[]" {
		t.Fatalf("--filter failed: %d %q", code, out)
	}
	if code, _, errOut := cli(t, "--db", db, "list", "notifications", "--filter", "soon"); code != exitUsage || !strings.Contains(errOut, "give a state") {
		t.Fatalf("--filter soon: %d %s", code, errOut)
	}
	if code, _, errOut := cli(t, "--db", db, "list", "incidents", "--format", "yaml"); code != exitUsage || !strings.Contains(errOut, "use text or json") {
		t.Fatalf("--format yaml: %d %s", code, errOut)
	}
}

// The daily report goes out at the rule's time of day in the plan's
// timezone (the example plan: 08:30 London, to the steering group), once a
// day: not before the time, once after it, not again after a restart the
// same day, and again the next day. Its text is the report command's
// Markdown.
func TestDailyReportAtItsTime(t *testing.T) {
	ctx, a := openSeeded(t)
	day := time.Date(2026, 11, 25, 0, 0, 0, 0, a.plan.Plan().Location())
	reports := func() []model.Notification {
		t.Helper()
		list, err := a.db.Notifications(ctx, model.NotificationQuery{})
		if err != nil {
			t.Fatal(err)
		}
		var out []model.Notification
		for _, n := range list {
			if n.Event == model.EventDailyReport {
				out = append(out, n)
			}
		}
		return out
	}
	sched := &reportSchedule{queued: map[string]string{}}
	for _, step := range []struct {
		name    string
		sched   *reportSchedule
		at      time.Duration // after midnight
		reports int
	}{
		{"before its time", sched, 8*time.Hour + 29*time.Minute, 0},
		{"at its time", sched, 8*time.Hour + 30*time.Minute, 1},
		{"a minute later", sched, 8*time.Hour + 31*time.Minute, 1},
		{"after a restart", &reportSchedule{queued: map[string]string{}}, 9 * time.Hour, 1},
		{"the next day", sched, 24*time.Hour + 8*time.Hour + 30*time.Minute, 2},
	} {
		if err := step.sched.queueDue(ctx, a, day.Add(step.at)); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if got := reports(); len(got) != step.reports {
			t.Fatalf("%s: %d reports queued, want %d", step.name, len(got), step.reports)
		}
	}
	r := reports()[1] // the first day's
	if r.Rule != "steering group" || r.Channel != model.ChannelEmail || r.Target != "hypercare-steering@orion-retail.example" ||
		r.Subject != "Orion retail platform: daily war-room report, Wed 25 Nov 2026" || !strings.HasPrefix(r.Text, "# Hypercare report: Orion retail platform") ||
		!strings.Contains(r.Text, "## Summary") {
		t.Fatalf("report message: %+v", r)
	}
}
