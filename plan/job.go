package plan

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/robfig/cron/v3"
)

// Job is a scheduled batch job or backup whose runs report with heartbeats
// (a drop, an HTTP post or 'hypercare job report'); a run not heard of by
// its time + grace is missed.
type Job struct {
	ID      string `toml:"id"`
	Name    string `toml:"name"`
	Service string `toml:"service"`
	Owner   string `toml:"owner,omitempty"` // team id that fixes it; defaults to the service's owner
	// Schedule is cron: minute hour day-of-month month day-of-week, in
	// the plan timezone, such as "30 2 * * *"; @daily, @hourly and the
	// like work too.
	Schedule string `toml:"schedule"`
	Kind     string `toml:"kind,omitempty"`     // batch (default), backup, extract or feed
	Duration string `toml:"duration,omitempty"` // how long a run takes
	Grace    string `toml:"grace,omitempty"`    // how late it may start; defaults to 30m
	RPO      string `toml:"rpo,omitempty"`      // backups: how old the newest good backup may be
	// OnMiss is what a failed or missed run means: an alert of a
	// severity (critical, warning — the default — or info), or
	// "incident P1" … "incident P5", an incident of that priority too.
	OnMiss string `toml:"on_miss,omitempty"`

	spec     model.JobSpec
	frequent bool
}

// Spec is the job as the service layer uses it.
func (j Job) Spec() model.JobSpec { return j.spec }

// Frequent reports whether the job runs more than four times a day: the
// calendar's week leaves it out, as it would fill every day.
func (j Job) Frequent() bool { return j.frequent }

// length is how long a run occupies its service: the expected duration,
// or the grace period when the plan gives none.
func (j Job) length() time.Duration {
	if j.spec.Duration > 0 {
		return j.spec.Duration
	}
	return j.spec.Grace
}

// starts lists the job's scheduled starts whose run (its length long)
// overlaps [from, to).
func (j Job) starts(from, to time.Time) []time.Time {
	return j.spec.Slots(from.Add(-j.length()).Add(time.Nanosecond), to)
}

// JobSpecs are the plan's jobs for the service layer (model.Policy).
func (p *Plan) JobSpecs() []model.JobSpec {
	out := make([]model.JobSpec, len(p.Jobs))
	for i, j := range p.Jobs {
		out[i] = j.spec
	}
	return out
}

// Job looks a job up by id.
func (p *Plan) Job(id string) (Job, bool) {
	return find(p.Jobs, func(j Job) bool { return j.ID == id })
}

// Run is one expected run of a scheduled job.
type Run struct {
	Job   Job
	Start time.Time
	Due   time.Time // the heartbeat counts as missed after this
}

// RunsBetween expands the job schedules into the runs that occupy their
// service during [from, to) (from their start, for their length), ordered
// by start.
func (p *Plan) RunsBetween(from, to time.Time) []Run {
	var out []Run
	for _, j := range p.Jobs {
		for _, start := range j.starts(from, to) {
			out = append(out, Run{Job: j, Start: start, Due: j.spec.StartBy(start)})
		}
	}
	slices.SortStableFunc(out, func(a, b Run) int { return a.Start.Compare(b.Start) })
	return out
}

// cronParser reads the five standard fields and the @daily-style
// descriptors; seconds and time zones are not the plan's to give.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// cronSchedule is a job's cron schedule in the plan timezone, as a
// scheduler keeps it across a DST change: in the hour the clocks skip, a
// run is not expected that day; in the hour they repeat, a job at fixed
// hours is expected once, at the first pass, while one that runs every
// hour runs in both.
type cronSchedule struct {
	spec      *cron.SpecSchedule
	everyHour bool
}

func (c cronSchedule) Next(after time.Time) time.Time {
	t := c.spec.Next(after)
	for !c.everyHour && !t.IsZero() && repeated(t.In(c.spec.Location)) {
		t = c.spec.Next(t)
	}
	return t
}

// repeated reports whether t is in the second pass of an hour the clocks
// went back over: an hour earlier, the wall clock read the same.
func repeated(t time.Time) bool {
	const wall = "2006-01-02 15:04"
	return t.Add(-time.Hour).Format(wall) == t.Format(wall)
}

// parseCron reads a job's schedule in loc.
func parseCron(s string, loc *time.Location) (cronSchedule, error) {
	how := `write five fields — minute hour day-of-month month day-of-week — in the plan timezone, such as "30 2 * * *" (02:30 every day), "15 * * * *" (a quarter past every hour) or "0 6 * * mon,thu"`
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=") {
		return cronSchedule{}, fmt.Errorf("%q names a time zone; schedules are in the plan timezone ([hypercare] timezone), so remove the %s prefix", s, s[:strings.IndexByte(s, '=')+1])
	}
	parsed, err := cronParser.Parse(s)
	if err != nil {
		return cronSchedule{}, fmt.Errorf("%q is not a cron schedule (%v); %s", s, err, how)
	}
	spec, ok := parsed.(*cron.SpecSchedule)
	if !ok {
		return cronSchedule{}, fmt.Errorf("%q has no fixed times to expect a run at; %s", s, how)
	}
	spec.Location = loc
	const allHours = 1<<24 - 1
	return cronSchedule{spec: spec, everyHour: spec.Hour&allHours == allHours}, nil
}

// parseOnMiss reads on_miss: a severity, or "incident P1" … "incident P5".
func parseOnMiss(s string) (model.Severity, model.Priority, error) {
	bad := fmt.Errorf("%q: use an alert severity (\"critical\", \"warning\" or \"info\"), or \"incident P1\" … \"incident P5\" to open an incident of that priority too", s)
	words := strings.Fields(strings.ToLower(s))
	switch {
	case len(words) == 0:
		return model.SevWarning, 0, nil
	case len(words) == 1:
		for _, sev := range []model.Severity{model.SevCritical, model.SevWarning, model.SevInfo} {
			if words[0] == sev.String() {
				return sev, 0, nil
			}
		}
	case len(words) == 2 && words[0] == "incident" && len(words[1]) == 2 && words[1][0] == 'p' && words[1][1] >= '1' && words[1][1] <= '5':
		pr := model.Priority(words[1][1] - '0')
		if pr <= 2 {
			return model.SevCritical, pr, nil
		}
		return model.SevWarning, pr, nil
	}
	return 0, 0, bad
}

func (c *checker) checkJobs(p *Plan) {
	for i := range p.Jobs {
		j := &p.Jobs[i]
		if j.Name == "" {
			j.Name = j.ID
		}
		if j.Grace == "" {
			j.Grace = "30m"
		}
		c.ref(field("job", i, "service"), j.Service, c.services, "service id")
		spec := model.JobSpec{ID: j.ID, Name: j.Name, Service: j.Service, Owner: j.Owner}
		if j.Owner == "" {
			spec.Owner = p.OwnerTeam(j.Service)
		} else {
			c.ref(field("job", i, "owner"), j.Owner, c.teams, "team id")
		}
		if j.Schedule == "" {
			c.missing(field("job", i, "schedule"), `a cron schedule in the plan timezone, such as schedule = "30 2 * * *" (02:30 every day)`)
		} else if sched, err := parseCron(j.Schedule, p.Location()); err != nil {
			c.add(field("job", i, "schedule"), "%v", err)
		} else {
			spec.Schedule = sched
		}
		spec.Grace = c.duration(field("job", i, "grace"), j.Grace)
		if j.Duration != "" {
			spec.Duration = c.duration(field("job", i, "duration"), j.Duration)
		}
		switch kind := strings.ToLower(j.Kind); kind {
		case "":
			j.Kind = model.JobBatch
		case model.JobBatch, model.JobBackup, model.JobExtract, model.JobFeed:
			j.Kind = kind
		default:
			c.add(field("job", i, "kind"), "%q: use batch, backup, extract or feed", j.Kind)
		}
		spec.Kind = j.Kind
		if j.RPO != "" {
			if j.Kind != model.JobBackup {
				c.add(field("job", i, "rpo"), "is for backups; set kind = \"backup\", or remove rpo")
			} else {
				spec.RPO = c.duration(field("job", i, "rpo"), j.RPO)
			}
		}
		var err error
		if spec.MissSeverity, spec.MissIncident, err = parseOnMiss(j.OnMiss); err != nil {
			c.add(field("job", i, "on_miss"), "%v", err)
		}
		j.spec = spec
		if spec.Schedule != nil {
			day := p.Hypercare.Start
			j.frequent = len(spec.Slots(day, day.Add(24*time.Hour))) > 4
		}
	}
}
