package plan

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// checker collects every problem in a plan instead of stopping at the first,
// so one run of `plan check` shows the author all there is to fix.
type checker struct {
	file     string
	lines    lines
	problems []Problem
	reported map[string]bool // fields that already have a problem

	// What references may name: key → index of the table.
	contacts, teams, services map[string]int
}

// add records a problem on a field. A field gets one problem only: a value of
// the wrong type is left empty by decode, and "missing" on top would mislead.
func (c *checker) add(path, format string, args ...any) {
	if c.reported[path] {
		return
	}
	c.reported[path] = true
	c.problems = append(c.problems, Problem{File: c.file, Line: c.lines.find(path), Field: path, Msg: fmt.Sprintf(format, args...)})
}

func (c *checker) missing(path, hint string) {
	c.add(path, "missing; add %s", hint)
}

func field(table string, i int, key string) string {
	return fmt.Sprintf("%s[%d].%s", table, i+1, key)
}

// index maps each table's key (its id or name) to its position, reporting
// missing and repeated keys.
func (c *checker) index(table, key string, n int, keyOf func(int) string) map[string]int {
	idx := make(map[string]int, n)
	for i := range n {
		path, k := field(table, i, key), keyOf(i)
		if k == "" {
			c.missing(path, fmt.Sprintf("%s = \"…\"", key))
			continue
		}
		if first, dup := idx[k]; dup {
			c.add(path, "%q is already used by %s[%d]; give each %s its own %s", k, table, first+1, table, key)
			continue
		}
		idx[k] = i
	}
	return idx
}

// ref checks that a value names something defined elsewhere in the plan.
func (c *checker) ref(path, value string, known map[string]int, what string) {
	if value == "" {
		c.missing(path, "the "+what)
		return
	}
	if _, ok := known[value]; !ok {
		names := slices.Sorted(maps.Keys(known))
		for i, n := range names {
			names[i] = fmt.Sprintf("%q", n)
		}
		if len(names) == 0 {
			c.add(path, "%q is not a %s in this plan; add it", value, what)
			return
		}
		c.add(path, "%q is not a %s in this plan; use one of %s, or add it", value, what, strings.Join(names, ", "))
	}
}

func (c *checker) duration(path, value string) time.Duration {
	if value == "" {
		c.missing(path, `a duration such as "30m"`)
		return 0
	}
	d, err := parseDuration(value)
	switch {
	case err != nil:
		c.add(path, "%v", err)
	case d <= 0:
		c.add(path, "%q is not a positive duration; write it like \"15m\", \"4h\" or \"3d\"", value)
	}
	return d
}

func (c *checker) clock(path, value string) time.Duration {
	if value == "" {
		c.missing(path, `a time of day such as "02:00"`)
		return 0
	}
	d, err := parseClock(value)
	if err != nil {
		c.add(path, "%v", err)
	}
	return d
}

func (c *checker) days(path string, names []string) weekdays {
	var set weekdays
	if len(names) == 0 {
		c.missing(path, `the days, such as ["mon", "tue"]`)
	}
	for i, name := range names {
		d, err := parseDay(name)
		if err != nil {
			c.add(fmt.Sprintf("%s[%d]", path, i+1), "%v", err)
			continue
		}
		set[d] = true
	}
	return set
}

func (c *checker) hours(path, value string) {
	if value != Hours24x7 && value != HoursBusiness {
		c.add(path, "%q is not an hours setting; use %q or %q", value, Hours24x7, HoursBusiness)
	}
}

// when puts a TOML date or date-time into the plan timezone. Dates and local
// date-times mean the wall clock there; with endOfDate a bare date means the
// end of that day, so "end = 2026-11-30" includes the 30th.
func (c *checker) when(path string, t *time.Time, loc *time.Location, endOfDate bool) bool {
	if t.IsZero() {
		c.missing(path, "a date such as 2026-11-19")
		return false
	}
	// The TOML package marks values written without an offset by these zone names.
	switch t.Location().String() {
	case "time-local":
		c.add(path, "is a time of day only; give a date such as 2026-11-19 or a date-time such as 2026-11-19T08:00:00")
		return false
	case "date-local":
		*t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
		if endOfDate {
			*t = t.AddDate(0, 0, 1)
		}
	case "datetime-local":
		*t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
	default:
		*t = t.In(loc)
	}
	return true
}

// check validates the decoded plan, fills in defaults and parses the
// values that are written as text (durations, times, levels, roles).
func (c *checker) check(p *Plan) {
	c.checkHypercare(p)
	c.contacts = c.index("contact", "name", len(p.Contacts), func(i int) string { return p.Contacts[i].Name })
	c.teams = c.index("team", "id", len(p.Teams), func(i int) string { return p.Teams[i].ID })
	c.services = c.index("service", "id", len(p.Services), func(i int) string { return p.Services[i].ID })
	c.index("operator", "name", len(p.Operators), func(i int) string { return p.Operators[i].Name })
	c.index("job", "id", len(p.Jobs), func(i int) string { return p.Jobs[i].ID })

	for i, ct := range p.Contacts {
		if ct.Phone == "" && ct.Email == "" {
			c.missing(field("contact", i, "phone"), "a phone or an email, so people can reach them")
		}
	}
	for i, r := range p.Referrals {
		if r.Problem == "" {
			c.missing(field("referral", i, "problem"), "the kind of problem this contact helps with")
		}
		c.ref(field("referral", i, "contact"), r.Contact, c.contacts, "[[contact]] name")
	}
	c.checkTeams(p)
	c.checkServices(p)
	c.checkExitServices(p)
	business := c.checkSLAs(p)
	c.checkBusiness(&p.Hypercare.Business, business || p.Hypercare.Hours == HoursBusiness)
	c.checkAlerts(p)
	c.checkRetention(p)
	c.checkSources(p)
	c.checkRoutes(p)
	c.checkFreezes(p)
	c.checkJobs(p)
	c.checkLicences(p)
	c.checkOperators(p)
	c.checkRotas(p)       // after teams and operators: the people must be known
	c.checkChangeBoard(p) // after operators: approvers must be leads
	c.checkSupport(p)
	c.checkNotify(p)
	c.checkMajor(p)
}

// checkAlerts fills the alert thresholds from [alerts] over the defaults.
func (c *checker) checkAlerts(p *Plan) {
	a, r := &p.Alerts, model.DefaultAlertRules()
	positive := func(key string, n int, into *int) {
		switch {
		case n < 0:
			c.add("alerts."+key, "%d is negative; use a whole number above zero", n)
		case n > 0:
			*into = n
		}
	}
	positive("flap_changes", a.FlapChanges, &r.FlapChanges)
	positive("storm_size", a.StormSize, &r.StormSize)
	for _, d := range []struct {
		key, value string
		into       *time.Duration
	}{{"flap_window", a.FlapWindow, &r.FlapWindow}, {"storm_window", a.StormWindow, &r.StormWindow}, {"after_change", a.AfterChange, &r.AfterChange}} {
		if d.value != "" {
			if v := c.duration("alerts."+d.key, d.value); v > 0 {
				*d.into = v
			}
		}
	}
	r.AutoResolve = a.AutoResolve
	if a.SilenceRole != "" {
		switch role, err := model.ParseRole(a.SilenceRole); {
		case err != nil:
			c.add("alerts.silence_role", "%v", err)
		case role < model.RoleOperator:
			c.add("alerts.silence_role", "viewers cannot write anything; use operator, lead or admin")
		default:
			r.SilenceRole = role
		}
	}
	a.rules = r
}

// Forever is the retention that keeps a kind of record for good.
const Forever = "forever"

// checkRetention fills the retention from [retention] over the defaults. A
// window under a day is refused: a prune must never take the records of
// the day the team is working in.
func (c *checker) checkRetention(p *Plan) {
	rs, r := &p.Retain, model.DefaultRetention()
	for _, k := range []struct {
		key, value string
		into       *time.Duration
	}{{"alerts", rs.Alerts, &r.Alerts}, {"alert_history", rs.AlertHistory, &r.AlertHistory}, {"audit", rs.Audit, &r.Audit}} {
		switch k.value {
		case "":
			continue
		case Forever:
			*k.into = 0
			continue
		}
		path := "retention." + k.key
		d := c.duration(path, k.value)
		switch {
		case d <= 0:
		case d < model.MinRetention:
			c.add(path, "%q is less than a day; keep records at least \"1d\" (a prune must not take today's), or write %q", k.value, Forever)
		default:
			*k.into = d
		}
	}
	rs.r, rs.checked = r, true
}

// checkSources fills each [[source]] over its defaults.
func (c *checker) checkSources(p *Plan) {
	c.index("source", "name", len(p.Sources), func(i int) string { return p.Sources[i].Name })
	for i := range p.Sources {
		s := &p.Sources[i]
		src := model.DefaultAlertSource(s.Name)
		switch s.RepeatInterval {
		case "":
		case "0", "never":
			src.RepeatInterval = 0
		default:
			if d := c.duration(field("source", i, "repeat_interval"), s.RepeatInterval); d > 0 {
				src.RepeatInterval = d
			}
		}
		if s.ResolveStale && src.RepeatInterval == 0 {
			c.add(field("source", i, "resolve_stale"), "%q does not repeat its alerts, so they never go stale; set repeat_interval, or remove resolve_stale", s.Name)
		}
		src.ResolveStale = s.ResolveStale
		switch {
		case s.Token != "" && s.TokenEnv != "":
			c.add(field("source", i, "token_env"), "give token or token_env, not both")
		case s.TokenEnv != "":
			src.Token = os.Getenv(s.TokenEnv)
			if src.Token == "" {
				c.add(field("source", i, "token_env"), "the environment variable %s is not set or empty; set it where hypercare runs, or remove token_env", s.TokenEnv)
			}
		default:
			src.Token = s.Token
		}
		if u := s.Alertmanager; u != "" {
			if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				c.add(field("source", i, "alertmanager_url"), "%q is not an http:// or https:// URL; give Alertmanager's base URL, such as \"http://alertmanager:9093\"", u)
			}
			src.AlertmanagerURL = strings.TrimSuffix(u, "/")
		}
		s.src = src
	}
}

func (c *checker) checkHypercare(p *Plan) {
	h := &p.Hypercare
	if h.Service == "" {
		c.missing("hypercare.service", `the name shown in the header, such as service = "Orion retail platform"`)
	}
	p.loc = time.UTC // so times still have a zone when the timezone is wrong
	switch loc, err := time.LoadLocation(h.Timezone); {
	case h.Timezone == "":
		c.missing("hypercare.timezone", `the IANA zone the plan's dates and hours are in, such as timezone = "Europe/London"`)
	case err != nil:
		c.add("hypercare.timezone", "%q is not a known IANA timezone; use a name such as \"Europe/London\"", h.Timezone)
	default:
		p.loc = loc
	}
	start := c.when("hypercare.start", &h.Start, p.loc, false)
	end := c.when("hypercare.end", &h.End, p.loc, true)
	if start && end && !h.End.After(h.Start) {
		c.add("hypercare.end", "ends before it starts (start %s); put end after start", h.Start.Format(time.DateOnly))
	}
	if h.Hours == "" {
		h.Hours = Hours24x7
	}
	c.hours("hypercare.hours", h.Hours)
	for i := range h.Holidays {
		c.when(fmt.Sprintf("hypercare.holidays[%d]", i+1), &h.Holidays[i], p.loc, false)
	}
	for i := range h.ExitCriteria {
		ec := &h.ExitCriteria[i]
		if ec.Name == "" {
			c.missing(field("hypercare.exit_criteria", i, "name"), "a name people will recognise on the dashboard")
		}
		if _, ok := ExitMetrics[ec.Metric]; !ok {
			c.add(field("hypercare.exit_criteria", i, "metric"), "%q is not a metric; use one of %s", ec.Metric, strings.Join(slices.Sorted(maps.Keys(ExitMetrics)), ", "))
		}
		if ec.Service != "" {
			if ec.Metric != "availability" {
				c.add(field("hypercare.exit_criteria", i, "service"), "only availability is measured per service; remove service, or use metric = \"availability\"")
			}
		}
		if ec.HeldFor != "" {
			d, err := parseDuration(ec.HeldFor)
			days := int(d / (24 * time.Hour))
			switch {
			case err != nil || d%(24*time.Hour) != 0 || days < 1:
				c.add(field("hypercare.exit_criteria", i, "held_for"), "%q is not a number of days; write it like \"3d\"", ec.HeldFor)
			case days > MaxHeldDays:
				c.add(field("hypercare.exit_criteria", i, "held_for"), "%s is more than %d days; the scorecard looks back %d days", ec.HeldFor, MaxHeldDays, MaxHeldDays)
			default:
				ec.heldDays = days
			}
		}
	}
}

// checkExitServices checks the services exit criteria name, once services are known.
func (c *checker) checkExitServices(p *Plan) {
	for i, ec := range p.Hypercare.ExitCriteria {
		if ec.Service != "" {
			c.ref(field("hypercare.exit_criteria", i, "service"), ec.Service, c.services, "service id")
		}
	}
}

// checkBusiness checks the business calendar when something uses it or it
// is written anyway (a mistake there would surface only once it is used).
func (c *checker) checkBusiness(b *Business, used bool) {
	if !used && len(b.Days) == 0 && b.Start == "" && b.End == "" {
		return
	}
	b.days = c.days("hypercare.business.days", b.Days)
	b.start = c.clock("hypercare.business.start", b.Start)
	b.end = c.clock("hypercare.business.end", b.End)
	if b.Start != "" && b.End != "" && b.end <= b.start {
		c.add("hypercare.business.end", "%s is not after start %s; business hours end later in the day than they start", b.End, b.Start)
	}
}

// checkSLAs checks the SLA tables and reports whether any uses business hours.
func (c *checker) checkSLAs(p *Plan) (business bool) {
	valid := []string{"P1", "P2", "P3", "P4", "P5", "request"}
	for _, k := range valid[:5] {
		if _, ok := p.SLA[k]; !ok {
			c.missing("sla."+k, fmt.Sprintf("[sla.%s] with respond and resolve, such as respond = \"15m\" and resolve = \"4h\"", k))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(p.SLA)) {
		path, s := "sla."+k, p.SLA[k]
		if !slices.Contains(valid, k) {
			c.add(path, "%q is not an SLA; use P1, P2, P3, P4, P5 or request", k)
			continue
		}
		s.respond = c.duration(path+".respond", s.Respond)
		s.resolve = c.duration(path+".resolve", s.Resolve)
		if s.respond > s.resolve && s.resolve > 0 {
			c.add(path+".respond", "%s is longer than resolve %s; responding comes first, so make it shorter", s.Respond, s.Resolve)
		}
		if s.Hours == "" {
			s.Hours = p.Hypercare.Hours
		}
		c.hours(path+".hours", s.Hours)
		business = business || s.Hours == HoursBusiness
		p.SLA[k] = s
	}
	return business
}

func (c *checker) checkTeams(p *Plan) {
	for i := range p.Teams {
		t := &p.Teams[i]
		if t.Name == "" {
			t.Name = t.ID
		}
		if t.Vendor && t.Contract == "" {
			c.missing(field("team", i, "contract"), "the contract reference; vendor teams need one")
		}
		if t.Vendor || t.Contact != "" {
			c.ref(field("team", i, "contact"), t.Contact, c.contacts, "[[contact]] name")
		}
		if len(t.Escalation) == 0 {
			c.missing(field("team", i, "escalation"), `at least level L1, such as escalation = [{ level = "L1", contact = "…", timeout = "30m" }]`)
		}
		next := 0 // index in levels of the level expected or allowed next
		for j := range t.Escalation {
			e := &t.Escalation[j]
			path := fmt.Sprintf("team[%d].escalation[%d]", i+1, j+1)
			switch at := slices.Index(levels, e.Level); {
			case at < 0:
				c.add(path+".level", "%q is not a level; use L1, L2, L3 or vendor", e.Level)
			case j == 0 && at != 0:
				c.add(path+".level", "%s cannot come first; start the escalation at L1", e.Level)
			case at < next:
				c.add(path+".level", "%s comes after %s; list levels in the order L1, L2, L3, vendor, each once", e.Level, t.Escalation[j-1].Level)
			default:
				next = at + 1
			}
			c.ref(path+".contact", e.Contact, c.contacts, "[[contact]] name")
			// The last level has nowhere to escalate to, so it needs no timeout.
			if j < len(t.Escalation)-1 || e.Timeout != "" {
				e.timeout = c.duration(path+".timeout", e.Timeout)
			}
		}
	}
}

func (c *checker) checkServices(p *Plan) {
	for i := range p.Services {
		s := &p.Services[i]
		if s.Name == "" {
			s.Name = s.ID
		}
		switch path := field("service", i, "tier"); {
		case s.Tier == 0:
			c.missing(path, "tier = 1, 2 or 3 (1 is the most critical)")
		case s.Tier < 1 || s.Tier > 3:
			c.add(path, "%d is not a tier; use 1, 2 or 3", s.Tier)
		}
		c.ref(field("service", i, "owner"), s.Owner, c.teams, "team id")
		for j, dep := range s.DependsOn {
			path := fmt.Sprintf("service[%d].depends_on[%d]", i+1, j+1)
			if dep == s.ID {
				c.add(path, "a service cannot depend on itself; remove %q", dep)
				continue
			}
			c.ref(path, dep, c.services, "service id")
		}
		for j := range s.Maintenance {
			w := &s.Maintenance[j]
			path := fmt.Sprintf("service[%d].maintenance[%d]", i+1, j+1)
			w.rec = recurrence{days: c.days(path+".days", w.Days), at: c.clock(path+".start", w.Start)}
			w.length = c.duration(path+".duration", w.Duration)
		}
		for j, u := range s.URLs {
			if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				c.add(fmt.Sprintf("service[%d].urls[%d]", i+1, j+1), "%q is not an http:// or https:// URL; give the whole address, such as \"https://shop.example.com\"", u)
			}
		}
		if s.RPO != "" {
			s.rpo = c.duration(field("service", i, "rpo"), s.RPO)
		}
		if s.RTO != "" {
			s.rto = c.duration(field("service", i, "rto"), s.RTO)
		}
	}
	c.checkCycles(p)
}

// checkCycles refuses services that need each other in a loop: a plan
// like that has no answer to "what does this take down", and changes on
// any of them would conflict with themselves.
func (c *checker) checkCycles(p *Plan) {
	for _, cycle := range model.DependencyCycles(p.ModelServices()) {
		i := c.services[cycle[0]]
		loop := strings.Join(append(cycle, cycle[0]), " → ")
		c.add(field("service", i, "depends_on"), "depends_on makes a cycle: %s; a service cannot need what needs it, so remove one of these dependencies", loop)
	}
}

func (c *checker) checkRoutes(p *Plan) {
	for i := range p.Routes {
		r := &p.Routes[i]
		path := fmt.Sprintf("route[%d]", i+1)
		if r.Name == "" {
			c.missing(path+".name", "a name, shown on the alerts the route matches")
		}
		if len(r.Match) == 0 {
			c.missing(path+".match", `the labels to match, such as match = { service = "checkout" }`)
		}
		r.matchers = c.routeMatchers(path+".match", r.Match)
		if r.Service != "" {
			c.ref(path+".service", r.Service, c.services, "service id")
		}
		if r.Team != "" {
			c.ref(path+".team", r.Team, c.teams, "team id")
		}
		r.impact = c.level(path+".impact", r.Impact)
		r.urgency = c.level(path+".urgency", r.Urgency)
		if r.Service == "" && r.Team == "" && r.Impact == "" && r.Urgency == "" && !r.AutoIncident {
			c.add(path, "sets nothing; give it a service, team, impact, urgency or auto_incident")
		}
	}
}

func (c *checker) level(path, value string) model.Level {
	if value == "" {
		return 0
	}
	l, err := model.ParseLevel(value)
	if err != nil {
		c.add(path, "%q is not a level; use high, medium or low", value)
	}
	return l
}

func (c *checker) checkFreezes(p *Plan) {
	for i := range p.Freezes {
		f := &p.Freezes[i]
		if f.Name == "" {
			c.missing(field("freeze", i, "name"), "a name, shown on the calendar")
		}
		start := c.when(field("freeze", i, "start"), &f.Start, p.loc, false)
		end := c.when(field("freeze", i, "end"), &f.End, p.loc, true)
		if start && end && !f.End.After(f.Start) {
			c.add(field("freeze", i, "end"), "ends before it starts (start %s); put end after start", f.Start.Format(time.DateOnly))
		}
		for j, s := range f.Services {
			c.ref(fmt.Sprintf("freeze[%d].services[%d]", i+1, j+1), s, c.services, "service id")
		}
	}
}

func (c *checker) checkOperators(p *Plan) {
	owner := map[string]int{} // key data → operator index; one key, one person
	for i := range p.Operators {
		o := &p.Operators[i]
		if o.RoleName == "" {
			c.missing(field("operator", i, "role"), `role = "viewer", "operator", "lead" or "admin"`)
		} else if r, err := model.ParseRole(o.RoleName); err != nil {
			c.add(field("operator", i, "role"), "%v", err)
		} else {
			o.Role = r
		}
		for j, key := range o.Keys {
			path := fmt.Sprintf("operator[%d].keys[%d]", i+1, j+1)
			data, err := checkKey(key)
			if err != nil {
				c.add(path, "%v", err)
				continue
			}
			if first, dup := owner[data]; dup {
				c.add(path, "is already a key of operator[%d] (%s); each key must belong to one operator", first+1, p.Operators[first].Name)
				continue
			}
			owner[data] = i
		}
	}
}

// checkKey catches a pasted SSH public key gone wrong — cut short, wrapped,
// or with the type and data from different keys — without an SSH library:
// the base64 data must decode and begin with the key type written before it.
// It returns the key data, which identifies the key whatever its comment.
func checkKey(line string) (string, error) {
	fields := strings.Fields(line)
	bad := fmt.Errorf("is not an SSH public key; paste the whole line from the operator's .pub file, such as \"ssh-ed25519 AAAA… name@host\"")
	if len(fields) < 2 {
		return "", bad
	}
	blob, err := base64.StdEncoding.DecodeString(fields[1])
	if err != nil || len(blob) < 4 {
		return "", bad
	}
	n := binary.BigEndian.Uint32(blob)
	if uint64(n) > uint64(len(blob)-4) || string(blob[4:4+n]) != fields[0] {
		return "", fmt.Errorf("key data does not match its type %q; copy the line from the .pub file again", fields[0])
	}
	return fields[1], nil
}
