package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/hypercare-ops/hypercare/model"
)

// impactBody answers "if this service is down, what is affected": the
// services that depend on it, directly or through others, as a tree; what
// it needs itself, where the cause may lie; and the incidents open on any
// of them. I opens it for the service of the record in front of the
// operator, :impact SERVICE for any.
type impactBody struct{ service string }

func (b impactBody) read(ctx context.Context, s *session, w int) (body, string, string, error) {
	services, err := s.Reader.Services(ctx)
	if err != nil {
		return b, "", "", err
	}
	imp, err := model.ImpactOf(services, b.service)
	if errors.Is(err, model.ErrNotFound) {
		return b, "", "", fmt.Errorf("%w; :impact SERVICE takes one of %s", err, strings.Join(serviceIDs(services), ", "))
	}
	if err != nil {
		return b, "", "", err
	}
	all := append(append([]string{b.service}, imp.AffectedAll...), imp.NeedsAll...)
	open, err := s.Reader.OpenIncidentsOn(ctx, all)
	if err != nil {
		return b, "", "", fmt.Errorf("open incidents: %w", err)
	}
	return b, "Impact · " + b.service, strings.Join(impactLines(s, services, imp, open, w), "\n"), nil
}

func (impactBody) key(*Model, tea.KeyMsg) (tea.Cmd, bool) { return nil, false }
func (impactBody) actions(*session) []key.Binding         { return nil }

func serviceIDs(services []model.Service) []string {
	ids := make([]string, len(services))
	for i, sv := range services {
		ids[i] = sv.ID
	}
	return ids
}

// impactLines lays out a service, its two trees and the open incidents.
func impactLines(s *session, services []model.Service, imp model.Impact, open []model.Incident, w int) []string {
	st := s.st
	byID := map[string]model.Service{}
	for _, sv := range services {
		byID[sv.ID] = sv
	}
	onService := map[string][]model.Incident{}
	for _, in := range open {
		onService[in.Service] = append(onService[in.Service], in)
	}
	sv := byID[imp.Service]
	lines := []string{" " + st.Bold.Render(sv.ID) + "  " + fit(sv.Name, max(w-width(sv.ID)-4, 10))}
	facts := []string{fmt.Sprintf("tier %d", sv.Tier), "owner " + sv.Owner}
	for _, f := range []string{sv.Environment, sv.Version} {
		if f != "" {
			facts = append(facts, f)
		}
	}
	if sv.RPO > 0 {
		facts = append(facts, "RPO "+shortDuration(sv.RPO))
	}
	if sv.RTO > 0 {
		facts = append(facts, "RTO "+shortDuration(sv.RTO))
	}
	for _, l := range wrap(strings.Join(facts, " · "), max(w-2, 20)) {
		lines = append(lines, " "+st.Dim.Render(l))
	}
	if sv.Platform != "" {
		lines = append(lines, " "+st.Dim.Render(fit("on "+sv.Platform, max(w-2, 10))))
	}
	for _, u := range sv.URLs {
		lines = append(lines, " "+st.Dim.Render(fit(u, max(w-2, 10))))
	}

	tier1 := 0
	for _, id := range imp.AffectedAll {
		if byID[id].Tier == 1 {
			tier1++
		}
	}
	head := fmt.Sprintf("If %s is down, %d service(s) are affected", imp.Service, len(imp.AffectedAll))
	if tier1 > 0 {
		head += fmt.Sprintf(", %d of them tier 1", tier1)
	}
	lines = append(lines, "", " "+st.Bold.Render(head))
	lines = append(lines, treeLines(s, imp.Service, imp.Affected, byID, onService, w,
		"nothing in the plan depends on "+imp.Service)...)
	lines = append(lines, "", " "+st.Bold.Render("What "+imp.Service+" needs, where a cause may lie"))
	lines = append(lines, treeLines(s, imp.Service, imp.Needs, byID, onService, w,
		imp.Service+" depends on no other service in the plan")...)

	lines = append(lines, "", " "+st.Bold.Render(fmt.Sprintf("Open incidents on these services (%d)", len(open))))
	if len(open) == 0 {
		lines = append(lines, "  "+st.Dim.Render("none"))
	}
	for _, in := range open {
		lines = append(lines, incidentRow(st, in, w))
	}
	hint := ":impact SERVICE shows another service"
	if len(open) > 0 {
		hint += " · tab picks an incident, enter opens it"
	}
	return append(lines, "", " "+st.Dim.Render(fit(hint, max(w-2, 10))))
}

// treeLines draws a tree under its root, a service a line: the tree's
// branches, the service, its tier and name, and its open incidents.
func treeLines(s *session, root string, nodes []model.ImpactNode, byID map[string]model.Service,
	onService map[string][]model.Incident, w int, empty string) []string {
	st := s.st
	if len(nodes) == 0 {
		return []string{"  " + st.Dim.Render(empty)}
	}
	type row struct {
		lead, service string
		seen          bool
	}
	var rows []row
	var walk func(nodes []model.ImpactNode, prefix string)
	walk = func(nodes []model.ImpactNode, prefix string) {
		for i, n := range nodes {
			branch, next := "├─ ", "│  "
			if i == len(nodes)-1 {
				branch, next = "└─ ", "   "
			}
			rows = append(rows, row{prefix + branch, n.Service, n.Seen})
			walk(n.Children, prefix+next)
		}
	}
	walk(nodes, "")
	col := width(root)
	for _, r := range rows {
		col = max(col, width(r.lead)+width(r.service))
	}
	// Where each service is drawn in full, to point at it from its other
	// places: above or below.
	expandedAt := map[string]int{root: -1}
	for i, r := range rows {
		if !r.seen {
			expandedAt[r.service] = i
		}
	}
	line := func(i int, lead, service string, seen bool) string {
		text := "  " + lead + st.Bold.Render(service) + blank(col-width(lead)-width(service))
		if seen {
			where := "↑ shown above"
			if expandedAt[service] > i {
				where = "↓ shown below"
			}
			return text + st.Dim.Render("  "+where)
		}
		sv := byID[service]
		mark := ""
		if open := onService[service]; len(open) > 0 {
			mark = "  " + st.Priority[open[0].Priority].Render(" "+open[0].Ref()+" "+open[0].Priority.String()+" ")
			if len(open) > 1 {
				mark += st.Dim.Render(fmt.Sprintf(" +%d", len(open)-1))
			}
		}
		room := max(w-width(text)-width(mark)-2, 1)
		return text + "  " + st.Dim.Render(ansi.Truncate(fmt.Sprintf("tier %d · %s", sv.Tier, sv.Name), room, "…")) + mark
	}
	out := []string{line(-1, "", root, false)}
	for i, r := range rows {
		out = append(out, line(i, r.lead, r.service, r.seen))
	}
	return out
}

// incidentRow is one open incident on a line: reference, priority,
// service, state and title.
func incidentRow(st *Styles, in model.Incident, w int) string {
	head := "  " + fit(in.Ref(), 8) + " " + st.Priority[in.Priority].Render(" "+in.Priority.String()+" ") + " " +
		fit(in.Service, 14) + " " + fit(in.State.Label(), 11) + " "
	return head + fit(in.Title, max(w-width(head)-1, 10))
}

// impactPath is the way from the root to service in a tree, through the
// node where the service is expanded: "checkout → orders → orders-db".
func impactPath(root string, nodes []model.ImpactNode, service string) []string {
	for _, n := range nodes {
		if n.Service == service && !n.Seen {
			return []string{root, service}
		}
		if p := impactPath(n.Service, n.Children, service); p != nil {
			return append([]string{root}, p...)
		}
	}
	return nil
}

// upstreamLines list the incidents open on what an incident's service
// needs, with the way it needs each: a fault there may be the cause.
func upstreamLines(s *session, service string, imp model.Impact, open []model.Incident, w int) []string {
	if len(open) == 0 {
		return nil
	}
	st := s.st
	out := []string{"", st.Bold.Render(fmt.Sprintf("Open on what %s needs (%d)", service, len(open)))}
	for _, in := range open {
		out = append(out, incidentRow(st, in, w))
		out = append(out, "    "+st.Dim.Render(fit(strings.Join(impactPath(service, imp.Needs, in.Service), " → "), max(w-5, 10))))
	}
	return out
}

// impactOfSelected opens the impact of the service of what the operator
// has in front of them: the record in the detail on top, else the selected
// row of the focused list.
func (m *Model) impactOfSelected() tea.Cmd {
	if service := m.selectedService(); service != "" {
		return openDetail(impactBody{service: service})
	}
	return notice(errors.New("impact: select an incident, alert, problem or change, or name the service: :impact SERVICE"))
}

// selectedService is the service of the record in the detail on top, or
// of the selected row of the focused list; "" when there is none.
func (m *Model) selectedService() string {
	if d, ok := m.topLive().(*detail); ok {
		if b, ok := d.body.(interface{ serviceOf() string }); ok {
			return b.serviceOf()
		}
		return ""
	}
	if m.topLive() != nil {
		return ""
	}
	switch p := m.panes[m.focus].(type) {
	case *listPane[model.Incident]:
		if in, ok := p.selected(); ok {
			return in.Service
		}
	case *listPane[model.Alert]:
		if a, ok := p.selected(); ok {
			return a.Service
		}
	case *calendarPane:
		if c, ok := m.selectedChange(); ok {
			return c.Service()
		}
	}
	return ""
}

// impactCommand is ":impact [SERVICE]".
func (m *Model) impactCommand(arg string) tea.Cmd {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return m.impactOfSelected()
	}
	if p := m.s.plan(); p != nil {
		if _, ok := p.Service(arg); !ok {
			ids := make([]string, len(p.Services))
			for i, sv := range p.Services {
				ids[i] = sv.ID
			}
			return notice(fmt.Errorf("impact: %q is not a service in the plan; use one of %s", arg, strings.Join(ids, ", ")))
		}
	}
	return openDetail(impactBody{service: arg})
}

// openUpstream reads the incidents open on what service needs, laid out
// for an incident's detail; nothing when there are none.
func openUpstream(ctx context.Context, s *session, service string, w int) ([]string, error) {
	if service == "" {
		return nil, nil
	}
	services, err := s.Reader.Services(ctx)
	if err != nil {
		return nil, err
	}
	imp, err := model.ImpactOf(services, service)
	if errors.Is(err, model.ErrNotFound) || len(imp.NeedsAll) == 0 {
		return nil, nil // a service the catalogue does not have needs nothing it knows
	}
	if err != nil {
		return nil, err
	}
	open, err := s.Reader.OpenIncidentsOn(ctx, imp.NeedsAll)
	if err != nil {
		return nil, fmt.Errorf("open incidents on what %s needs: %w", service, err)
	}
	return upstreamLines(s, service, imp, open, w), nil
}

// impactHint follows a record's service line: the key that shows its impact.
func impactHint(s *session, service string) string {
	if service == "" {
		return ""
	}
	return s.st.Dim.Render(" · " + s.km.Impact.Help().Key + " impact")
}
