package plan

import (
	"fmt"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// Markdown writes the whole support plan as one Markdown document, in the
// order a production support plan template has it: purpose, scope,
// audience, objectives, assumptions and review; the services with their
// dependencies and recovery objectives; environments, responsibilities,
// releases, access and budget; then what hypercare runs on — hours and
// SLAs, teams and escalation, contacts and referrals, licences, freezes,
// jobs and exit criteria. It depends on nothing but the plan, so the same
// plan always reads the same. Sections the plan leaves empty are left out.
func (p *Plan) Markdown() string {
	w := &mdWriter{loc: p.Location()}
	h := p.Hypercare
	w.heading(1, h.Service+" — support plan")
	if !h.Start.IsZero() {
		last := h.End.Add(-time.Nanosecond)
		w.para(fmt.Sprintf("Hypercare from %s to %s (%d days), times in %s. %s",
			w.date(h.Start), w.date(last), daysApart(h.Start, h.End, w.loc), w.loc, p.hoursText()))
	}

	s := p.Support
	w.section("Purpose", s.Purpose)
	if s.Scope != "" || len(s.OutOfScope) > 0 {
		w.heading(2, "Scope")
		w.para(s.Scope)
		if len(s.OutOfScope) > 0 {
			w.para("Out of scope:")
			w.bullets(s.OutOfScope)
		}
	}
	w.section("Audience", s.Audience)
	w.list("Objectives", s.Objectives)
	w.list("Assumptions", s.Assumptions)
	if r := s.Review; r.Every != "" || r.Owner != "" || r.Forum != "" || !r.Last.IsZero() {
		w.heading(2, "Review")
		var parts []string
		if r.Every != "" {
			parts = append(parts, "The plan is reviewed every "+r.Every)
		} else {
			parts = append(parts, "The plan is reviewed")
		}
		if r.Forum != "" {
			parts[0] += " at " + r.Forum
		}
		if r.Owner != "" {
			parts[0] += ", led by " + p.contactText(r.Owner)
		}
		if !r.Last.IsZero() {
			parts = append(parts, "last reviewed "+w.date(r.Last))
		}
		if next := r.Next(); !next.IsZero() {
			parts = append(parts, "next review "+w.date(next))
		}
		w.para(strings.Join(parts, "; ") + ".")
	}

	p.servicesMarkdown(w)
	if len(p.Environments) > 0 {
		w.heading(2, "Environments")
		for _, e := range p.Environments {
			w.item("**"+e.Name+"**: "+e.Purpose, labelled("Location", e.Location), labelled("Access", e.Access))
		}
		w.end()
	}
	if len(p.Responsibilities) > 0 {
		w.heading(2, "Responsibilities")
		for _, r := range p.Responsibilities {
			who := make([]string, len(r.Contacts))
			for i, c := range r.Contacts {
				who[i] = p.contactText(c)
			}
			head := "**" + upperFirst(r.Area) + "**"
			if r.Team != "" {
				head += " — " + p.teamName(r.Team)
			}
			w.item(head+": "+r.Duties, labelled("Call", strings.Join(who, "; ")))
		}
		w.end()
	}
	if rel := p.Release; rel.Strategy != "" || len(rel.Process) > 0 || rel.RegressionTests != "" {
		w.heading(2, "Release strategy and process")
		w.para(rel.Strategy)
		for i, step := range rel.Process {
			w.line(fmt.Sprintf("%d. %s", i+1, w.text(step)))
		}
		w.end()
		if rel.RegressionTests != "" {
			w.para("Regression tests: " + rel.RegressionTests)
		}
	}
	if len(s.Access) > 0 || len(p.Operators) > 0 {
		w.heading(2, "Access restrictions")
		w.bullets(s.Access)
		if len(p.Operators) > 0 {
			ops := make([]string, len(p.Operators))
			for i, o := range p.Operators {
				ops[i] = fmt.Sprintf("%s (%s)", o.Name, o.Role)
				if o.Wall {
					ops[i] = fmt.Sprintf("%s (%s, wall screen)", o.Name, o.Role)
				}
			}
			w.para("Console operators: " + strings.Join(ops, ", ") + ".")
		}
	}
	if b := p.Budget; b.Summary != "" || len(b.Items) > 0 || len(b.Resources) > 0 {
		w.heading(2, "Budget and other resources")
		w.para(b.Summary)
		if len(b.Items) > 0 {
			w.line("| Item | Amount | Notes |")
			w.line("|---|---|---|")
			for _, it := range b.Items {
				w.line("| " + w.cell(it.Name) + " | " + w.cell(it.Amount) + " | " + w.cell(it.Notes) + " |")
			}
			w.end()
		}
		w.bullets(b.Resources)
	}

	p.slaMarkdown(w)
	p.teamsMarkdown(w)
	p.licencesMarkdown(w)
	if len(p.Freezes) > 0 {
		w.heading(2, "Change freezes")
		for _, f := range p.Freezes {
			kind := "soft: changes need a lead"
			if f.Hard {
				kind = "hard: changes are blocked"
			}
			scope := "every service"
			if len(f.Services) > 0 {
				scope = strings.Join(f.Services, ", ")
			}
			w.item(fmt.Sprintf("**%s**, %s (%s), on %s. %s", f.Name, w.span(f.Start, f.End), kind, scope, f.Reason))
		}
		w.end()
	}
	if len(p.Jobs) > 0 {
		w.heading(2, "Scheduled jobs and backups")
		for _, j := range p.Jobs {
			spec := j.Spec()
			text := fmt.Sprintf("**%s** (%s, %s on %s, owned by %s): `%s`, grace %s", j.Name, j.ID, j.Kind, j.Service, spec.Owner, j.Schedule, j.Grace)
			if j.Duration != "" {
				text += ", takes " + j.Duration
			}
			if j.RPO != "" {
				text += ", RPO " + j.RPO
			}
			miss := "a " + spec.MissSeverity.String() + " alert"
			if spec.MissSeverity == model.SevInfo {
				miss = "an info alert"
			}
			if spec.MissIncident != 0 {
				miss += " and a " + spec.MissIncident.String() + " incident"
			}
			w.item(text + "; a failed or missed run raises " + miss + ".")
		}
		w.end()
	}
	if len(h.ExitCriteria) > 0 {
		w.heading(2, "Exit criteria")
		for _, ec := range h.ExitCriteria {
			cmp := "at most"
			if ExitMetrics[ec.Metric] {
				cmp = "at least"
			}
			w.item(fmt.Sprintf("%s: %s %s %g", ec.Name, ec.Metric, cmp, ec.Target))
		}
		w.end()
	}
	return strings.TrimRight(w.b.String(), "\n") + "\n"
}

func (p *Plan) hoursText() string {
	if p.Hypercare.Hours != HoursBusiness {
		return "Support hours: around the clock (24x7)."
	}
	b := p.Hypercare.Business
	text := fmt.Sprintf("Support hours: business hours, %s %s–%s", strings.Join(b.Days, ", "), b.Start, b.End)
	if n := len(p.Hypercare.Holidays); n > 0 {
		days := make([]string, n)
		for i, d := range p.Hypercare.Holidays {
			days[i] = d.In(p.Location()).Format("2 Jan")
		}
		text += ", except " + strings.Join(days, ", ")
	}
	return text + "; SLAs say which they count in."
}

func (p *Plan) servicesMarkdown(w *mdWriter) {
	if len(p.Services) == 0 {
		return
	}
	w.heading(2, "Services")
	dependents := model.Dependents(p.ModelServices())
	for _, s := range p.Services {
		head := fmt.Sprintf("**%s** (%s): tier %d, owner %s", s.Name, s.ID, s.Tier, p.teamName(s.Owner))
		if s.Environment != "" {
			head += ", " + s.Environment
		}
		var release string
		switch {
		case s.Version != "" && s.Platform != "":
			release = s.Version + " on " + s.Platform
		default:
			release = s.Version + s.Platform
		}
		recovery := []string{}
		if s.RPO != "" {
			recovery = append(recovery, "RPO "+s.RPO)
		}
		if s.RTO != "" {
			recovery = append(recovery, "RTO "+s.RTO)
		}
		var windows []string
		for _, m := range s.Maintenance {
			windows = append(windows, fmt.Sprintf("%s %s for %s", strings.Join(m.Days, ","), m.Start, m.Duration))
		}
		w.item(head, release, strings.Join(recovery, ", "), strings.Join(s.URLs, " "),
			labelled("Depends on", strings.Join(s.DependsOn, ", ")), labelled("Needed by", strings.Join(dependents[s.ID], ", ")),
			labelled("Maintenance", strings.Join(windows, "; ")), labelled("Runbooks", strings.Join(s.Runbooks, ", ")))
	}
	w.end()
}

func (p *Plan) slaMarkdown(w *mdWriter) {
	if len(p.SLA) == 0 {
		return
	}
	w.heading(2, "Service levels")
	w.line("| Priority | Respond | Resolve | Hours |")
	w.line("|---|---|---|---|")
	for _, k := range []string{"P1", "P2", "P3", "P4", "P5", "request"} {
		if s, ok := p.SLA[k]; ok {
			w.line(fmt.Sprintf("| %s | %s | %s | %s |", k, s.Respond, s.Resolve, s.Hours))
		}
	}
	w.end()
}

func (p *Plan) teamsMarkdown(w *mdWriter) {
	if len(p.Teams) > 0 {
		w.heading(2, "Teams and escalation")
		for _, t := range p.Teams {
			var path []string
			for _, e := range t.Escalation {
				step := e.Level + " " + p.contactText(e.Contact)
				if e.Timeout != "" {
					step += " (" + e.Timeout + ")"
				}
				path = append(path, step)
			}
			head := fmt.Sprintf("**%s** (%s)", t.Name, t.ID)
			if t.Vendor {
				head += ", vendor"
			}
			w.item(head, labelled("Members", strings.Join(t.Members, ", ")), labelled("Contract", t.Contract),
				labelled("Escalation", strings.Join(path, " → ")))
		}
		w.end()
	}
	if len(p.Contacts) > 0 {
		w.heading(2, "Contacts")
		for _, c := range p.Contacts {
			parts := []string{"**" + c.Name + "**"}
			for _, v := range []string{c.Role, c.Phone, c.Email} {
				if v != "" {
					parts = append(parts, v)
				}
			}
			w.item(strings.Join(parts, " · "))
		}
		w.end()
	}
	if len(p.Referrals) > 0 {
		w.heading(2, "Referrals")
		for _, r := range p.Referrals {
			w.item(r.Problem+": "+p.contactText(r.Contact), r.Notes)
		}
		w.end()
	}
}

func (p *Plan) licencesMarkdown(w *mdWriter) {
	if len(p.Licences) == 0 {
		return
	}
	w.heading(2, "Licences and certificates")
	for _, l := range p.Licences {
		head := fmt.Sprintf("**%s** (%s", l.Name, l.Kind)
		if l.Service != "" {
			head += ", " + l.Service
		}
		head += fmt.Sprintf("): expires %s, renewed by %s", w.date(l.Expires), p.teamName(l.Owner))
		var renew, incident string
		if l.lead > 0 {
			renew = fmt.Sprintf("Renewal due from %s (%s ahead)", w.date(l.Expires.Add(-l.lead)), l.RenewalLead)
		}
		if l.impact != 0 {
			pr, _ := model.PriorityFor(l.impact, l.urgency)
			incident = fmt.Sprintf("A %s incident opens when it expires", pr)
		}
		usage := model.Usage{Unit: l.Usage.Unit, Limit: l.Usage.Limit, InUse: l.Usage.InUse}.String()
		w.item(head, renew, labelled("Usage", usage), labelled("Endpoint", l.Endpoint), labelled("Reference", l.Reference), incident)
	}
	w.end()
	w.para("Warnings come 30, 14, 7 and 1 days before each expiry, and when it passes.")
}

// teamName is a team's name with its id, or the id alone when the plan
// does not have it.
func (p *Plan) teamName(id string) string {
	if t, ok := p.Team(id); ok && t.Name != id {
		return t.Name + " (" + id + ")"
	}
	return id
}

// contactText is a contact's name with a phone, else an email.
func (p *Plan) contactText(name string) string {
	c, ok := p.Contact(name)
	switch {
	case !ok:
		return name
	case c.Phone != "":
		return name + " (" + c.Phone + ")"
	case c.Email != "":
		return name + " (" + c.Email + ")"
	}
	return name
}

// mdWriter builds the document: headings, paragraphs and lists, with the
// plan's text cleaned of control characters and laid on one line each.
type mdWriter struct {
	b   strings.Builder
	loc *time.Location
}

func (w *mdWriter) text(s string) string {
	return strings.Join(strings.Fields(model.Clean(s, true)), " ")
}

func (w *mdWriter) heading(level int, title string) {
	w.b.WriteString(strings.Repeat("#", level) + " " + w.text(title) + "\n\n")
}

func (w *mdWriter) para(s string) {
	if t := w.text(s); t != "" {
		w.b.WriteString(t + "\n\n")
	}
}

func (w *mdWriter) section(title, body string) {
	if strings.TrimSpace(body) != "" {
		w.heading(2, title)
		w.para(body)
	}
}

func (w *mdWriter) list(title string, items []string) {
	if len(items) > 0 {
		w.heading(2, title)
		w.bullets(items)
	}
}

func (w *mdWriter) bullets(items []string) {
	for _, it := range items {
		w.item(it)
	}
	w.end()
}

// item is a list item with sub-items under it, the empty ones left out.
func (w *mdWriter) item(head string, subs ...string) {
	w.b.WriteString("- " + w.text(head) + "\n")
	for _, s := range subs {
		if t := w.text(s); t != "" {
			w.b.WriteString("  - " + t + "\n")
		}
	}
}

func (w *mdWriter) line(s string) { w.b.WriteString(s + "\n") }

// end closes a list or table with a blank line.
func (w *mdWriter) end() {
	if !strings.HasSuffix(w.b.String(), "\n\n") {
		w.b.WriteString("\n")
	}
}

func (w *mdWriter) date(t time.Time) string { return t.In(w.loc).Format("Mon 2 Jan 2006") }

// span says when [start, end) is: whole days as "from X through Y", the
// way the plan writes them, else with the times.
func (w *mdWriter) span(start, end time.Time) string {
	midnight := func(t time.Time) bool { t = t.In(w.loc); return t.Hour() == 0 && t.Minute() == 0 }
	if midnight(start) && midnight(end) {
		return "from " + w.date(start) + " through " + w.date(end.Add(-time.Nanosecond))
	}
	at := func(t time.Time) string { return t.In(w.loc).Format("Mon 2 Jan 2006 15:04") }
	return "from " + at(start) + " until " + at(end)
}

// labelled is "Label: value", or nothing without a value.
func labelled(label, value string) string {
	if value == "" {
		return ""
	}
	return label + ": " + value
}

// cell is text for a table cell: a bar would end the cell.
func (w *mdWriter) cell(s string) string { return strings.ReplaceAll(w.text(s), "|", `\|`) }

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
