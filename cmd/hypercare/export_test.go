package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/hypercare-ops/hypercare/examples"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
)

// exportFixture is a seeded database with three changes made through the
// CLI on the example plan: CHG-1 new (with text that needs escaping), CHG-2
// a standard change submitted straight to scheduled, CHG-3 cancelled. The
// window flags reach every freeze of the plan.
type exportFixture struct {
	db, plan      string
	start         time.Time     // CHG-1's; it lasts 90 minutes
	freezes       []plan.Freeze // the plan's, in its order
	loc           *time.Location
	window        []string
	title, detail string // CHG-1's title and description as stored
}

func newExportFixture(t *testing.T) exportFixture {
	t.Helper()
	db, planPath := seeded(t)
	p, err := loadPlan(planPath)
	if err != nil {
		t.Fatal(err)
	}
	fx := exportFixture{db: db, plan: planPath, freezes: p.Freezes, loc: p.Location(),
		start:  time.Now().Add(48 * time.Hour).UTC().Truncate(time.Hour),
		title:  "Resize pool, then; verify now", // the newline in the input is a space in a title
		detail: "Step 1, drain; step 2\nrestart \\ check",
	}
	// The default window is 30d back and 90d ahead; stretch it to the
	// freezes wherever today is.
	hours := func(d time.Duration) string { return fmt.Sprintf("%dh", int(d.Hours())+24) }
	first := slices.MinFunc(p.Freezes, func(a, b plan.Freeze) int { return a.Start.Compare(b.Start) }).Start
	last := slices.MaxFunc(p.Freezes, func(a, b plan.Freeze) int { return a.End.Compare(b.End) }).End
	fx.window = []string{"--since", hours(max(time.Since(first), 0)), "--until", hours(max(time.Until(last), 72*time.Hour))}

	change := func(args ...string) {
		t.Helper()
		all := append([]string{"--db", db, "--plan", planPath, "--as", operatorName, "change"}, args...)
		if code, out, errOut := cli(t, all...); code != exitOK {
			t.Fatalf("change %v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
	at := func(d time.Duration) string { return fx.start.Add(d).Format(time.RFC3339) }
	change("new", "--service", "storefront,checkout", "--title", "Resize pool, then; verify\nnow",
		"--impact", "high", "--probability", "medium", "--start", at(0), "--duration", "90m",
		"--implementer", "sofia.lindqvist", "--description", fx.detail, "--backout", "helm rollback")
	change("new", "--type", "standard", "--service", "search", "--title", "Rebuild the product index",
		"--impact", "low", "--probability", "low", "--start", at(24*time.Hour), "--duration", "1h")
	change("submit", "CHG-2")
	change("new", "--service", "orders", "--title", "Orders v2", "--impact", "low", "--probability", "low",
		"--start", at(48*time.Hour), "--duration", "1h")
	change("cancel", "CHG-3", "--reason", "superseded")
	return fx
}

// freeze is the plan's freeze of that name, with the UID its place in the
// plan gives it.
func (fx exportFixture) freeze(t *testing.T, name string) (plan.Freeze, string) {
	t.Helper()
	i := slices.IndexFunc(fx.freezes, func(f plan.Freeze) bool { return f.Name == name })
	if i < 0 {
		t.Fatalf("the example plan has no freeze %q", name)
	}
	return fx.freezes[i], fmt.Sprintf("freeze-%d@hypercare", i+1)
}

func (fx exportFixture) export(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	all := append([]string{"--db", fx.db, "--plan", fx.plan, "export", "changes"}, fx.window...)
	return cli(t, append(all, args...)...)
}

// The calendar written to a file parses back with the same library into
// the changes and the freezes, each with a stable UID, UTC times, the
// status its state maps to, and text that survives commas, semicolons,
// backslashes and newlines.
func TestExportChangesICS(t *testing.T) {
	fx := newExportFixture(t)
	out := filepath.Join(t.TempDir(), "changes.ics")
	if code, stdout, errOut := fx.export(t, "--out", out); code != exitOK || stdout != "" {
		t.Fatalf("export: exit %d\n%s%s", code, stdout, errOut)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	// RFC 5545 3.1: lines end in CRLF and are folded at 75 octets.
	for i, line := range strings.SplitAfter(strings.TrimSuffix(text, "\r\n"), "\r\n") {
		line = strings.TrimSuffix(line, "\r\n")
		if strings.ContainsAny(line, "\r\n") || len(line) > 75 {
			t.Errorf("line %d is not a folded CRLF line of at most 75 octets: %q", i+1, line)
		}
	}
	unfolded := strings.ReplaceAll(text, "\r\n ", "")
	for _, want := range []string{
		`SUMMARY:CHG-1 [new] Resize pool\, then\; verify now`,
		`Step 1\, drain\; step 2\nrestart \\ check`,
		"LOCATION:storefront\\, checkout\r\n",
	} {
		if !strings.Contains(unfolded, want) {
			t.Errorf("the calendar lacks %q (escaped as RFC 5545 TEXT):\n%s", want, unfolded)
		}
	}

	cal, err := ics.ParseCalendar(strings.NewReader(text))
	if err != nil {
		t.Fatalf("parse the export: %v", err)
	}
	events := map[string]*ics.VEvent{}
	for _, e := range cal.Events() {
		events[e.Id()] = e
	}
	value := func(e *ics.VEvent, p ics.ComponentProperty) string {
		if prop := e.GetProperty(p); prop != nil {
			return prop.Value
		}
		return ""
	}
	uids := []string{"chg-1@hypercare", "chg-2@hypercare", "chg-3@hypercare"}
	for i := range fx.freezes {
		uids = append(uids, fmt.Sprintf("freeze-%d@hypercare", i+1))
	}
	if len(events) != len(uids) {
		t.Errorf("%d events, want %d: %v", len(events), len(uids), slices.Sorted(maps.Keys(events)))
	}
	for _, uid := range uids {
		if events[uid] == nil {
			t.Fatalf("no event %s among %v", uid, slices.Sorted(maps.Keys(events)))
		}
		if _, err := events[uid].GetDtStampTime(); err != nil {
			t.Errorf("%s: DTSTAMP: %v", uid, err)
		}
	}

	chg := events["chg-1@hypercare"]
	if got, want := value(chg, ics.ComponentPropertySummary), "CHG-1 [new] "+fx.title; got != want {
		t.Errorf("SUMMARY = %q, want %q", got, want)
	}
	desc := value(chg, ics.ComponentPropertyDescription)
	for _, want := range []string{"normal high-risk change, new", "Services: storefront, checkout",
		"Implementer: sofia.lindqvist", fx.detail, "Backout plan:\nhelm rollback"} {
		if !strings.Contains(desc, want) {
			t.Errorf("DESCRIPTION lacks %q:\n%s", want, desc)
		}
	}
	if got := value(chg, ics.ComponentPropertyLocation); got != "storefront, checkout" {
		t.Errorf("LOCATION = %q", got)
	}
	if got := value(chg, ics.ComponentPropertyCategories); got != "normal" {
		t.Errorf("CATEGORIES = %q", got)
	}
	if !strings.Contains(unfolded, "DTSTART:"+fx.start.Format("20060102T150405Z")+"\r\n") {
		t.Errorf("DTSTART is not %s in UTC", fx.start)
	}
	start, err := chg.GetStartAt()
	if err != nil || !start.Equal(fx.start) || start.Location() != time.UTC {
		t.Errorf("DTSTART = %v (%v), want %v in UTC", start, err, fx.start)
	}
	end, err := chg.GetEndAt()
	if err != nil || !end.Equal(fx.start.Add(90*time.Minute)) {
		t.Errorf("DTEND = %v (%v), want 90 minutes after the start", end, err)
	}
	for uid, want := range map[string]ics.ObjectStatus{"chg-1@hypercare": ics.ObjectStatusTentative,
		"chg-2@hypercare": ics.ObjectStatusConfirmed, "chg-3@hypercare": ics.ObjectStatusCancelled} {
		if got := value(events[uid], ics.ComponentPropertyStatus); got != string(want) {
			t.Errorf("%s: STATUS = %q, want %q", uid, got, want)
		}
	}

	// The Black Friday freeze is given as dates: an all-day event whose
	// DTEND is the day after its last, as RFC 5545 counts.
	bf, uid := fx.freeze(t, "Black Friday to Cyber Monday")
	fz := events[uid]
	if got := value(fz, ics.ComponentPropertySummary); got != "Hard change freeze: "+bf.Name {
		t.Errorf("freeze SUMMARY = %q", got)
	}
	for p, want := range map[ics.ComponentProperty]string{
		ics.ComponentPropertyDtStart: bf.Start.In(fx.loc).Format("20060102"),
		ics.ComponentPropertyDtEnd:   bf.End.In(fx.loc).Format("20060102"),
	} {
		prop := fz.GetProperty(p)
		if prop == nil || prop.Value != want || !slices.Equal(prop.ICalParameters["VALUE"], []string{"DATE"}) {
			t.Errorf("freeze %s = %+v, want the date %s", p, prop, want)
		}
	}
	if got := value(fz, ics.ComponentPropertyDescription); !strings.Contains(got, bf.Reason) || !strings.Contains(got, "Services: storefront, checkout") {
		t.Errorf("freeze DESCRIPTION = %q", got)
	}
	// Christmas trading starts at 18:00 in the plan's timezone: a timed
	// event, in UTC.
	xmas, uid := fx.freeze(t, "Christmas trading")
	fz = events[uid]
	if got := value(fz, ics.ComponentPropertySummary); got != "Soft change freeze: "+xmas.Name {
		t.Errorf("freeze SUMMARY = %q", got)
	}
	start, err = fz.GetStartAt()
	if err != nil || !start.Equal(xmas.Start) || value(fz, ics.ComponentPropertyDtStart) != xmas.Start.UTC().Format("20060102T150405Z") {
		t.Errorf("freeze DTSTART = %v (%v), want %v in UTC", start, err, xmas.Start)
	}
	if end, err = fz.GetEndAt(); err != nil || !end.Equal(xmas.End) {
		t.Errorf("freeze DTEND = %v (%v), want %v", end, err, xmas.End)
	}

	// Exported again, the same changes keep their UIDs.
	_, again, _ := fx.export(t)
	cal2, err := ics.ParseCalendar(strings.NewReader(again))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range cal2.Events() {
		if events[e.Id()] == nil {
			t.Errorf("a second export has a new UID %s", e.Id())
		}
	}
}

// --format json writes the same changes and freezes.
func TestExportChangesJSON(t *testing.T) {
	fx := newExportFixture(t)
	code, out, errOut := fx.export(t, "--format", "json")
	if code != exitOK {
		t.Fatalf("export: exit %d\n%s", code, errOut)
	}
	var doc calendarDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	var refs []string
	for _, c := range doc.Changes {
		refs = append(refs, c.Ref+" "+string(c.State))
	}
	if want := []string{"CHG-1 new", "CHG-2 scheduled", "CHG-3 cancelled"}; !slices.Equal(refs, want) {
		t.Errorf("changes = %v, want %v", refs, want)
	}
	if doc.Changes[0].Title != fx.title || doc.Changes[0].Description != fx.detail {
		t.Errorf("CHG-1 = %+v", doc.Changes[0].Change)
	}
	bf, _ := fx.freeze(t, "Black Friday to Cyber Monday")
	if len(doc.Freezes) != len(fx.freezes) || !slices.ContainsFunc(doc.Freezes, func(f freezeDoc) bool {
		return f.Name == bf.Name && f.Hard && f.Start.Equal(bf.Start) && f.End.Equal(bf.End)
	}) {
		t.Errorf("freezes = %+v, want the plan's, %q among them", doc.Freezes, bf.Name)
	}
}

func TestExportUsage(t *testing.T) {
	db, planPath := seeded(t)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"export", "changes", "--format", "csv"}, exitUsage, `--format "csv": use ics or json`},
		{[]string{"export"}, exitUsage, "hypercare export changes"},
		{[]string{"export", "incidents"}, exitUsage, `"incidents" cannot be exported: use 'export changes'`},
		{[]string{"export", "changes", "all"}, exitUsage, "one thing at a time"},
		{[]string{"export", "all", "--format", "ics"}, exitUsage, "export all writes JSON only"},
		{[]string{"export", "--format", "ics"}, exitUsage, "or 'hypercare export all'"},
		{[]string{"export", "all", "--since", "2d"}, exitUsage, "--since and --until choose the change calendar's window"},
		{[]string{"export", "all", "--help"}, exitOK, "export all: every record"},
		{[]string{"--db", filepath.Join(t.TempDir(), "none.db"), "export", "all"}, exitRejected, "no database at"},
		{[]string{"export", "changes", "--since", "0h"}, exitUsage, "longer than nothing"},
		{[]string{"export", "changes", "--help"}, exitOK, "Usage: hypercare export changes"},
		{[]string{"--db", filepath.Join(t.TempDir(), "none.db"), "export", "changes"}, exitRejected, "no database at"},
		{[]string{"export", "changes", "--out", filepath.Join(t.TempDir(), "missing", "x.ics")}, exitRejected, "write "},
	}
	for _, tt := range tests {
		code, out, errOut := cli(t, append([]string{"--db", db, "--plan", planPath}, tt.args...)...)
		if code != tt.code || !strings.Contains(out+errOut, tt.want) {
			t.Errorf("%v: exit %d\n%s%s\nwant exit %d and %q", tt.args, code, out, errOut, tt.code, tt.want)
		}
	}
}

// Every state has a calendar status: only an authorised change is
// confirmed.
func TestExportEventStatus(t *testing.T) {
	want := map[model.ChangeState]ics.ObjectStatus{
		model.ChangeNew: ics.ObjectStatusTentative, model.ChangeAssess: ics.ObjectStatusTentative,
		model.ChangeAuthorize: ics.ObjectStatusTentative, model.ChangeScheduled: ics.ObjectStatusConfirmed,
		model.ChangeImplement: ics.ObjectStatusConfirmed, model.ChangeReview: ics.ObjectStatusConfirmed,
		model.ChangeClosed: ics.ObjectStatusConfirmed, model.ChangeCancelled: ics.ObjectStatusCancelled,
	}
	for _, s := range model.ChangeStates {
		if got, ok := want[s]; !ok || eventStatus(s) != got {
			t.Errorf("eventStatus(%s) = %s, want %s", s, eventStatus(s), got)
		}
	}
}

// Freezes given as dates stay whole days in the plan's timezone, however
// far it is from UTC; a freeze with a time is converted to UTC.
func TestExportFreezeZone(t *testing.T) {
	data := strings.Replace(string(examples.Plan), `timezone = "Europe/London"`, `timezone = "Pacific/Auckland"`, 1)
	p, err := plan.Parse("plan.toml", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	cal := changeCalendar(p, nil, from, from.AddDate(0, 2, 0), from)
	got := map[string]string{}
	for _, e := range cal.Events() {
		for _, prop := range []ics.ComponentProperty{ics.ComponentPropertyDtStart, ics.ComponentPropertyDtEnd} {
			v := e.GetProperty(prop)
			got[e.Id()+" "+string(prop)] = strings.Join(v.ICalParameters["VALUE"], "") + ":" + v.Value
		}
	}
	want := map[string]string{
		"freeze-1@hypercare DTSTART": "DATE:20261119", "freeze-1@hypercare DTEND": "DATE:20261123",
		"freeze-2@hypercare DTSTART": "DATE:20261127", "freeze-2@hypercare DTEND": "DATE:20261201",
		// 18:00 and midnight in Auckland, summer time (UTC+13).
		"freeze-3@hypercare DTSTART": ":20261210T050000Z", "freeze-3@hypercare DTEND": ":20261216T110000Z",
	}
	if !maps.Equal(got, want) {
		t.Errorf("freeze times = %v\nwant %v", got, want)
	}
}
