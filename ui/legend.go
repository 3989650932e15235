package ui

import (
	"slices"

	"github.com/charmbracelet/bubbles/key"
)

// The ? legend: what each mark and abbreviation on screen means, for the
// pane or view in front of the operator, and for the header and footer.

// mark is one sign and what it means.
type mark struct{ sign, means string }

// legender is a pane, layer or detail body that uses marks of its own.
type legender interface{ legend() []mark }

// queueLegend explains the queue's columns; the incident detail's SLA line
// uses the same notation (model.SLAMark).
var queueLegend = []mark{
	{"3h05m", "SLA: resolve due in 3h05m (d days, h hours, m minutes)"},
	{"r15m", "respond due in 15m: not acknowledged, and that clock is the nearer"},
	{"✗1h00m", "SLA breached 1h00m ago; ✗r1h00m: the respond target"},
	{"‖40%", "SLA paused on hold, 40% of the target used; ✗‖ past it"},
	{"met missed", "resolved within its target, or after it"},
	{"—", "no SLA target applies"},
	{"MAJOR ⚑", "a major incident: escalation and comms run (⚑ on a narrow screen)"},
	{"PRB-1", "linked to problem PRB-1"},
	{"PRB?", "recurs (same service and category): open a problem"},
	{"·platform", "nobody assigned: waiting in team platform's queue"},
	{"colour", "SLA green ok, yellow past 50%, orange past 75%, white on red breached"},
}

var feedLegend = []mark{
	{"FIRE", "firing, nobody on it"},
	{"ACK", "acknowledged (for a while, if :ack 2h)"},
	{"SIL", "muted by a silence (:silences)"},
	{"STALE", "its sender stopped repeating it: is it still true?"},
	{"ok", "resolved"},
	{"CRIT WARN", "severity: critical, warning, info"},
	{"[STORM 3/26 firing]", "one row for a storm of 26 alerts, 3 firing: enter lists them"},
	{"[FLAP]", "flapping: fired and resolved again and again"},
	{"[TRUNCATED +n]", "the sender left n alerts out of its drop"},
	{"[after CHG-4]", "started soon after change CHG-4 on its service"},
	{"[INC-7]", "linked to incident INC-7"},
	{"×3", "fired three times"},
}

var calendarLegend = []mark{
	{"○ 02:00", "a maintenance window opens"},
	{"⟳ 03:00", "a scheduled job runs (backup, batch)"},
	{"☎ 08:00", "an on-call shift starts"},
	{"!", "a change conflicts: outside a window, overlapping, soft freeze"},
	{"✗", "blocked by a hard freeze, or a deploy with no approved change"},
	{"▓ ░", "a change freeze (░ fills the frozen days)"},
	{"auth sched", "a change's state: assess, auth(orise), sched(uled), ▶impl(ementing), review, done"},
}

var knowledgeLegend = []mark{
	{"runbook …", "the article's kind: runbook, recovery, known error, handover…"},
	{"KB-2", "article reference: ref opens it from the : line"},
}

var auditLegend = []mark{
	{"is:system", "show hypercare's own intake rows (each drop, job heartbeat and feed sweep), hidden by default"},
	{"AFTER", "the record as the action left it: enter shows before and after"},
}

var jobsLegend = []mark{
	{"✓ ✗", "a run that ended ok, or failed"},
	{"◷", "a run that started or ended late (past its grace)"},
	{"∅", "a run that never came: missed"},
	{"▶", "a run going on now"},
	{"OK", "share of the recent ended runs that succeeded"},
	{"TOOK", "how long the recent runs took, oldest left (a sparkline)"},
	{"RPO", "recovery point objective: how old the newest good backup may be"},
	{"BREACH +1d2h", "the newest good backup is 1d2h older than the RPO allows"},
	{"—", "no next run, or no RPO"},
}

var metricsLegend = []mark{
	{"MTTA", "mean time to acknowledge: opened to first acknowledged"},
	{"MTTR", "mean time to resolve: opened to resolved"},
	{"CSAT", "customer satisfaction, 1 to 5, from the resolved incidents rated"},
	{"reopened", "resolved incidents opened again"},
	{"no response", "open incidents nobody has acknowledged"},
	{"█ ░", "the share met, and the share missed (or none resolved)"},
	{"█ ▓", "incidents opened, and resolved, that day"},
	{"✓ met ✗", "an exit criterion met on the last 24 hours, or not"},
	{"held 1/3d", "days in a row the criterion has been met, of those the plan asks"},
	{"≤ ≥", "the criterion's target: at most, at least"},
}

var scorecardLegend = []mark{
	{"✓ met ✗", "met on the last 24 hours, or not"},
	{"held 1/3d", "days in a row met, of those the plan asks (held_for)"},
	{"≤ ≥", "the target: at most, at least"},
	{"▁▃█", "the criterion's value each day of the last 14, oldest left"},
}

var impactLegend = []mark{
	{"tier 1", "the service's tier in the plan: 1 matters most"},
	{"RTO 1h", "recovery time objective: how long it may be down"},
	{"├─ └─", "what the service above depends on"},
	{"↓ shown below", "this service's own tree is drawn further down"},
	{"INC-4 P1 +2", "its worst open incident, and how many more are open on it"},
}

var problemsLegend = []mark{
	{"LINKED", "incidents linked to the problem"},
	{"ACTIONS", "RCA actions still open, of all; — none yet"},
	{"[x] [ ]", "an RCA action done, or still to do"},
}

var licencesLegend = []mark{
	{"renewal due", "inside its renewal window: renew now"},
	{"expires in", "warnings go to the feed 30, 14, 7 and 1 days ahead and at expiry"},
	{"24 of 32 (75%)", "licensed units in use, of those bought"},
}

// detailLegend is what every detail's border says.
var detailLegend = []mark{
	{"↕40%", "how far down the view you are; ↑/↓ scroll"},
}

func (*jobsList) legend() []mark     { return jobsLegend }
func (jobBody) legend() []mark       { return jobsLegend }
func (metricsBody) legend() []mark   { return metricsLegend }
func (scorecardBody) legend() []mark { return scorecardLegend }
func (impactBody) legend() []mark    { return impactLegend }
func (*problemsList) legend() []mark { return problemsLegend }
func (problemBody) legend() []mark   { return problemsLegend }
func (licencesBody) legend() []mark  { return licencesLegend }

// wallLegend explains a wall screen's board.
var wallLegend = []mark{
	{"▲ FIRING", "on red, in a heavy frame: needs someone now"},
	{"EXIT CRITERIA MET", "exit criteria met, of all (:scorecard at a desk)"},
	{"WALL · read-only", "this screen shows, nobody acts on it; the overview page comes round with --rotate"},
}

// chromeLegend explains the header and the footer, on every screen.
func chromeLegend() []mark {
	return []mark{
		{"P1 2  P2 3", "open incidents of priority 1 and 2"},
		{"at risk 2", "incidents past 75% of their SLA, or not acknowledged in time"},
		{"firing 13", "alerts firing now"},
		{"exit 4/9", "exit criteria met, of all (:scorecard)"},
		{"day 7/28", "day of the hypercare period"},
		{"on call", "who is on call at L1 per team; ☎ name: on your team"},
		{"▶ CHG-4", "a change running now; next: the next one planned"},
		{"● LIVE", "the screen follows the database; STALE: it could not read"},
		{"drops 21+1 2✗", "drop files applied, +queued, ✗ rejected (to rejected/)"},
		{"2 to read", "articles you must read (:reading)"},
		{"+3 online", "others on this hypercare now"},
		{"· needs …", "a key your role may not use, and the role it needs"},
	}
}

// legendHere is the legend of what has the focus: the top layer (or the
// record a detail shows), else the focused pane; and its name.
func (m *Model) legendHere() (string, []mark) {
	var src any = m.panes[m.focus]
	name := m.panes[m.focus].title()
	var extra []mark
	if top := m.underHelp(); top != nil {
		src, name = top, "this view"
		if d, ok := top.(*detail); ok {
			src, name, extra = d.body, d.title, detailLegend
		}
	}
	if m.s.Wall {
		extra = append(extra, wallLegend...)
	}
	if l, ok := src.(legender); ok {
		return name, append(slices.Clip(l.legend()), extra...)
	}
	return name, extra
}

// marksAsBindings lets the help lay out marks as it lays out keys.
func marksAsBindings(ms []mark) []key.Binding {
	out := make([]key.Binding, len(ms))
	for i, mk := range ms {
		out[i] = key.NewBinding(key.WithHelp(mk.sign, mk.means))
	}
	return out
}

// underHelp is the top layer but for the help, the palette and the ":"
// line: what the help is about, and where a command run from the palette
// or the ":" line acts.
func (m *Model) underHelp() layer {
	for i := len(m.layers) - 1; i >= 0; i-- {
		switch m.layers[i].(type) {
		case *helpLayer, *palette, *cmdline:
			continue
		}
		return m.layers[i]
	}
	return nil
}
