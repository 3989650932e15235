package ui

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/NimbleMarkets/ntcharts/sparkline"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/dustin/go-humanize"
	"github.com/hypercare-ops/hypercare/model"
)

// The runs a job's row sums up, and its detail lists.
const (
	jobRowRuns    = 30
	jobDetailRuns = 60
)

// jobsList is the plan's scheduled jobs and backups, opened over the
// panes with J or :jobs: each job with its recent runs, success rate,
// duration trend and, for backups, whether the newest good one is older
// than its RPO. enter opens a job in a detail over it, so esc steps back
// from a job to the list, and from the list to the panes.
type jobsList struct {
	s    *session
	list *listPane[model.JobSummary]
}

func newJobsList(s *session) *jobsList {
	return &jobsList{s: s, list: newListPane(s, listSpec[model.JobSummary]{
		name:        "Jobs",
		placeholder: "job, name, service, kind",
		empty:       "The plan has no [[job]]: add its scheduled jobs and backups (the example plan shows how).",
		id:          func(j model.JobSummary) int64 { return jobKey(j.Spec.ID) },
		fetch: func(ctx context.Context, q listQuery) ([]model.JobSummary, error) {
			p := s.plan()
			if p == nil {
				return nil, nil
			}
			specs := filterJobs(p.JobSpecs(), q.filter)
			specs = specs[min(q.offset, len(specs)):min(q.offset+q.limit, len(specs))]
			return model.ReadJobs(ctx, s.Reader, specs, jobRowRuns, s.Now())
		},
		header: func(w int) string {
			c := jobCols(w)
			h := fmt.Sprintf("  %-*s ", c.id, "JOB")
			if c.name > 0 {
				h += fmt.Sprintf("%-*s ", c.name, "NAME")
			}
			if c.service > 0 {
				h += fmt.Sprintf("%-*s ", c.service, "SERVICE")
			}
			return h + fmt.Sprintf("%-*s %*s %4s %-*s %-*s %s", c.kind, "KIND", c.runs, "RUNS, NEWEST RIGHT", "OK", c.trend, "TOOK", c.next, "NEXT", "RPO")
		},
		row: func(j model.JobSummary, w int, paint func(lipgloss.Style, string) string) string {
			return jobRow(s, j, w, paint)
		},
		status: func(countsMsg, bool) string { return "" },
		open:   func(j model.JobSummary) tea.Cmd { return openDetail(jobBody{id: j.Spec.ID}) },
		keys:   func(model.JobSummary, tea.KeyMsg) (tea.Cmd, bool) { return nil, false },
		bindings: func() []key.Binding {
			return nil
		},
	})}
}

// jobKey is a job's id as the list's row identity.
func jobKey(id string) int64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return int64(h.Sum64() >> 1)
}

// filterJobs keeps the jobs whose id, name, service or kind hold every word.
func filterJobs(specs []model.JobSpec, filter string) []model.JobSpec {
	words := strings.Fields(strings.ToLower(filter))
	return slices.DeleteFunc(slices.Clone(specs), func(j model.JobSpec) bool {
		text := strings.ToLower(j.ID + " " + j.Name + " " + j.Service + " " + j.Kind)
		for _, w := range words {
			if !strings.Contains(text, w) {
				return true
			}
		}
		return false
	})
}

func (v *jobsList) setSize(w, h int)           { v.list.setSize(w, h) }
func (v *jobsList) refresh() tea.Cmd           { return v.list.refresh() }
func (v *jobsList) ensure() tea.Cmd            { return v.list.ensure() }
func (v *jobsList) update(msg tea.Msg) tea.Cmd { return v.list.update(msg) }
func (v *jobsList) typing() bool               { return v.list.filtering() }

func (v *jobsList) key(m *Model, msg tea.KeyMsg) (tea.Cmd, outcome) {
	if v.list.filtering() {
		cmd, _ := v.list.key(msg)
		return cmd, kept
	}
	// The pane keys leave the jobs for that pane.
	if cmd, ok := m.paneKey(msg); ok {
		return cmd, kept
	}
	if cmd, handled := v.list.key(msg); handled {
		return cmd, kept
	}
	if key.Matches(msg, v.s.km.Back) {
		return nil, closed
	}
	return nil, passed
}

func (v *jobsList) actions() []key.Binding {
	if v.list.filtering() {
		return []key.Binding{
			key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep the filter")),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear it")),
		}
	}
	return []key.Binding{v.s.km.Enter, v.s.km.Filter, v.s.km.Back}
}

func (v *jobsList) view(_ *Model, w, h int) string {
	status := "✓ ok ✗ failed ◷ late ∅ missed ▶ running · enter opens · esc back"
	if v.list.filter.text != "" {
		status = "filtered · esc clears"
	}
	return box(v.s.st, "Jobs & backups", status, v.list.view(true), w, h, true)
}

// showJobs opens the jobs list, closing what is open over it, and with a
// job's id, that job's detail over it.
func (m *Model) showJobs(job string) tea.Cmd {
	var cmd tea.Cmd
	if v, ok := find[*jobsList](m); ok {
		c, _ := m.closeAbove(v)
		cmd = tea.Batch(c, v.refresh())
	} else {
		cmd = m.setLayers([]layer{newJobsList(m.s)})
	}
	if job == "" {
		return cmd
	}
	if p := m.s.plan(); p != nil {
		if _, ok := p.Job(job); !ok {
			ids := make([]string, len(p.Jobs))
			for i, j := range p.Jobs {
				ids[i] = j.ID
			}
			return tea.Batch(cmd, notice(fmt.Errorf("jobs: %q is not a job of the plan; use one of %s", job, strings.Join(ids, ", "))))
		}
	}
	return tea.Batch(cmd, m.push(newDetail(m.s, jobBody{id: job})))
}

// jobColumns are the widths of a jobs row's columns; name and service
// are 0 where they do not fit.
type jobColumns struct{ id, name, service, kind, runs, trend, next, rpo int }

// jobCols shares a width among the columns: the runs strip takes what is
// left, up to one cell per run, and a wide screen gives the rest to the
// job's name.
func jobCols(w int) jobColumns {
	c := jobColumns{id: 16, kind: 6, trend: 6, next: 5, rpo: 12}
	if w >= 120 {
		c = jobColumns{id: 20, service: 12, kind: 8, trend: 16, next: 10, rpo: 16}
	}
	fixed := c.id + 1 + c.kind + 1 + 1 + 4 + 1 + c.trend + 1 + c.next + 1 + c.rpo
	if c.service > 0 {
		fixed += c.service + 1
	}
	c.runs = min(max(w-fixed, 4), jobRowRuns)
	if w >= 120 {
		c.name = min(max(w-fixed-c.runs-1, 0), 36)
	}
	return c
}

// jobRow is one job: its id (and on a wide screen its name and service),
// kind, the marks of its newest runs, success rate, a sparkline of its
// durations, next run and RPO.
func jobRow(s *session, j model.JobSummary, w int, paint func(lipgloss.Style, string) string) string {
	st, c := s.st, jobCols(w)
	var strip strings.Builder
	for i := min(len(j.Runs), c.runs) - 1; i >= 0; i-- {
		r := j.Runs[i]
		strip.WriteString(paint(runStyle(st, r.Status), r.Status.Mark()))
	}
	shown := min(len(j.Runs), c.runs)
	rate := "  — "
	if j.Rate >= 0 {
		rate = fmt.Sprintf("%3.0f%%", j.Rate*100)
	}
	rateStyle := st.Resolved
	if j.Rate >= 0 && j.Rate < 0.9 {
		rateStyle = st.Warn
	}
	next := "—"
	if !j.Next.IsZero() {
		format := "15:04"
		if c.next > 5 {
			format = "Mon 15:04"
		}
		next = j.Next.In(s.loc()).Format(format)
	}
	row := fit(j.Spec.ID, c.id) + " "
	if c.name > 0 {
		row += fit(j.Spec.Name, c.name) + " "
	}
	if c.service > 0 {
		row += fit(j.Spec.Service, c.service) + " "
	}
	row += paint(st.Dim, fit(j.Spec.Kind, c.kind)) + " " + blank(c.runs-shown) + strip.String() + " " + paint(rateStyle, rate) + " " +
		paint(st.Label, fit(durationTrend(j.Durations, c.trend, 1, 1), c.trend)) + " " + fit(next, c.next) + " "
	switch {
	case j.RPOBreach > 0:
		row += paint(st.Error, fit("BREACH +"+countdown(j.RPOBreach), c.rpo))
	case j.Spec.RPO > 0:
		row += paint(st.Resolved, fit("ok", c.rpo))
	default:
		row += paint(st.Dim, fit("—", c.rpo))
	}
	return fit(row, w)
}

// runStyle colours a run's status.
func runStyle(st *Styles, s model.JobStatus) lipgloss.Style {
	switch s {
	case model.JobOK:
		return st.Resolved
	case model.JobFailed, model.JobMissed:
		return st.Error
	case model.JobLate:
		return st.Warn
	}
	return st.Bold
}

// durationTrend draws the runs' durations, oldest left, as an ntcharts
// sparkline w cells wide and h high: the newest that fit, each run per
// cells wide.
func durationTrend(durations []time.Duration, w, h, per int) string {
	if len(durations) == 0 || w <= 0 {
		return ""
	}
	data := make([]float64, 0, w)
	for _, d := range durations[max(len(durations)-w/per, 0):] {
		for range per {
			data = append(data, d.Minutes())
		}
	}
	sl := sparkline.New(w, h, sparkline.WithData(data))
	sl.Draw()
	return sl.View()
}

// jobBody is one job: what the plan says of it, its figures, the trend of
// its durations as a chart, and its runs.
type jobBody struct{ id string }

func (b jobBody) read(ctx context.Context, s *session, w int) (body, string, string, error) {
	p := s.plan()
	if p == nil {
		return b, "", "", fmt.Errorf("job %s: no plan loaded", b.id)
	}
	job, ok := p.Job(b.id)
	if !ok {
		return b, "", "", fmt.Errorf("job %s: no longer in the plan", b.id)
	}
	sums, err := model.ReadJobs(ctx, s.Reader, []model.JobSpec{job.Spec()}, jobDetailRuns, s.Now())
	if err != nil {
		return b, "", "", fmt.Errorf("job %s: %w", b.id, err)
	}
	return b, job.Name + " · " + job.ID, layoutJob(s, sums[0], job.Schedule, w), nil
}

func (jobBody) key(*Model, tea.KeyMsg) (tea.Cmd, bool) { return nil, false }
func (jobBody) actions(*session) []key.Binding         { return nil }

// layoutJob lays a job out for its detail, w cells wide.
func layoutJob(s *session, j model.JobSummary, schedule string, w int) string {
	st, loc, now := s.st, s.loc(), s.Now()
	spec := j.Spec
	stamp := func(t time.Time) string { return t.In(loc).Format("Mon 02 Jan 15:04") }
	var lines []string
	add := func(parts ...string) { lines = append(lines, " "+strings.Join(parts, "")) }
	// say adds plain text in style, wrapped to the width.
	say := func(style lipgloss.Style, text string) {
		for _, l := range wrap(text, w-2) {
			add(style.Render(l))
		}
	}

	say(st.Row, fmt.Sprintf("%s on %s · owner %s · schedule %q (%s)", spec.Kind, spec.Service, spec.Owner, schedule, loc))
	timing := "grace " + roundText(spec.Grace)
	if spec.Duration > 0 {
		timing += " · takes " + roundText(spec.Duration)
	}
	miss := "an alert (" + spec.MissSeverity.String() + ")"
	if spec.MissIncident != 0 {
		miss = "an alert (" + spec.MissSeverity.String() + ") and a " + spec.MissIncident.String() + " incident"
	}
	say(st.Dim, timing+" · a failed or missed run raises "+miss)
	rate := "no run has ended yet"
	if j.Rate >= 0 {
		ended := 0
		for _, r := range j.Runs {
			if r.Done() {
				ended++
			}
		}
		rate = fmt.Sprintf("%.0f%% of the last %d ended runs succeeded", j.Rate*100, ended)
	}
	next := "—"
	if !j.Next.IsZero() {
		next = stamp(j.Next)
	}
	say(st.Row, "next run "+next+" · "+rate)
	if spec.Kind == model.JobBackup && spec.RPO > 0 {
		since := "no good backup recorded"
		if !j.LastOK.IsZero() {
			since = "newest good backup " + ago(j.LastOK, now) + " ago (" + stamp(j.LastOK) + ")"
		}
		if j.RPOBreach > 0 {
			say(st.Error, fmt.Sprintf("RPO BREACHED by %s: %s; the RPO is %s", countdown(j.RPOBreach), since, roundText(spec.RPO)))
		} else {
			say(st.Resolved, "RPO ok: "+since+"; the RPO is "+roundText(spec.RPO))
		}
	}

	lines = append(lines, "")
	if len(j.Durations) > 0 {
		longest := slices.Max(j.Durations)
		// Up to three cells a run, so a few runs still read as bars.
		per := min(max((w-4)/len(j.Durations), 1), 3)
		chartW := min(w-4, len(j.Durations)*per)
		say(st.Dim, fmt.Sprintf("Duration of the last %d runs that took one, oldest left; the tallest is %s", chartW/per, roundText(longest)))
		for _, l := range strings.Split(durationTrend(j.Durations, chartW, 5, per), "\n") {
			add(st.Label.Render(l))
		}
		lines = append(lines, "")
	}

	add(st.Bold.Render("Runs"), st.Dim.Render(" newest first"))
	if len(j.Runs) == 0 {
		add(st.Dim.Render("none yet: runs appear with their first heartbeat, or as missed at their time + grace"))
	}
	for _, r := range j.Runs {
		when := stamp(r.At())
		if r.Scheduled.IsZero() {
			when += " re-run"
		}
		took, size := "", ""
		if r.Duration > 0 {
			took = roundText(r.Duration)
		}
		if r.Size > 0 {
			size = humanize.IBytes(uint64(r.Size))
		}
		row := fit(when, 24) + " " + runStyle(st, r.Status).Render(fit(r.Status.Mark()+" "+string(r.Status), 9)) + " " +
			fit(took, 7) + " " + fit(size, 9) + " " + st.Dim.Render(r.RunID)
		if r.Message != "" && width(row)+1+width(r.Message) <= w-2 {
			row += " " + r.Message
		} else if r.Message != "" {
			add(row)
			// A message that does not fit goes under its run, wrapped.
			for _, l := range wrap(r.Message, w-8) {
				add("      " + l)
			}
			continue
		}
		add(row)
	}
	return strings.Join(lines, "\n")
}

// roundText is a duration to the minute, or the second under one.
func roundText(d time.Duration) string {
	if d < time.Minute {
		return d.Round(time.Second).String()
	}
	s := strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
