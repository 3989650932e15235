package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
	"github.com/hypercare-ops/hypercare/ui"
)

// The plan's assets on the command line: the whole plan as a document,
// the licences and certificates with their expiry, live certificate
// checks, and the service catalogue with what depends on what.

const planUsage = `Usage:
  hypercare plan check FILE                       validate a plan.toml (exit 1 on problems)
  hypercare plan show [FILE] [--format text|md]   the whole support plan as a document
                                                  (default: --plan)
`

func runPlan(g global, args []string, w io.Writer) error {
	if len(args) > 0 {
		if isHelp(args[0]) {
			return cmdUsage{usage: planUsage}
		}
		switch args[0] {
		case "check":
			return runPlanCheck(g, args[1:], w)
		case "show":
			return runPlanShow(g, args[1:], w)
		}
	}
	return cmdUsage{usage: planUsage, msg: "plan: use 'plan check FILE' or 'plan show [FILE]'"}
}

// runPlanShow prints the whole support plan: Markdown to keep or publish,
// or by default the same laid out for a terminal.
func runPlanShow(g global, args []string, w io.Writer) error {
	format := "text"
	fs := g.flags("plan show")
	fs.StringVar(&format, "format", format, "")
	words, err := parse(fs, args)
	if err != nil {
		return err
	}
	if format != "text" && format != "md" {
		return usagef("plan show: --format %q: use text or md", format)
	}
	path := g.plan
	switch len(words) {
	case 0:
	case 1:
		path = words[0]
	default:
		return usagef("plan show: name at most one FILE")
	}
	p, err := loadPlan(path)
	if err != nil {
		return err
	}
	md := p.Markdown()
	if format == "md" {
		_, err := io.WriteString(w, md)
		return err
	}
	text, err := ui.PlainMarkdown(md, 100)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, text+"\n")
	return err
}

const certUsage = `Usage:
  hypercare cert check HOST:PORT [--service S] [--name N] [--timeout 10s] [--json]

Reads the certificate HOST:PORT serves in a TLS handshake and records its expiry,
so hypercare warns about it 30, 14, 7 and 1 days ahead and when it expires, like
a licence in the plan. A [[licence]] whose endpoint is HOST:PORT takes the live
expiry; any other endpoint is watched on its own (--name names it, --service
says which service it serves). The certificate is recorded whether or not it is
trusted; the output says why not. Runs as the --as operator.
`

// runCert is "cert check HOST:PORT".
func runCert(g global, args []string, w io.Writer) error {
	if len(args) > 0 && isHelp(args[0]) {
		return cmdUsage{usage: certUsage}
	}
	if len(args) == 0 || args[0] != "check" {
		return cmdUsage{usage: certUsage, msg: "cert: the only subcommand is 'cert check HOST:PORT'"}
	}
	var service, name string
	var asJSON bool
	timeout := 10 * time.Second
	fs := g.flags("cert check")
	fs.StringVar(&service, "service", "", "")
	fs.StringVar(&name, "name", "", "")
	fs.DurationVar(&timeout, "timeout", timeout, "")
	fs.BoolVar(&asJSON, "json", false, "")
	words, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	if len(words) != 1 {
		return cmdUsage{usage: certUsage, msg: "cert check: name one HOST:PORT, such as api.example.com:443"}
	}
	addr := words[0]
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
		return usagef("cert check: %q is not HOST:PORT; add the port, such as %s:443", addr, strings.TrimSuffix(addr, ":"))
	}
	ctx, a, actor, done, err := openAsOperator(g)
	if err != nil {
		return err
	}
	defer done()
	dialCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := readCertificate(dialCtx, addr)
	if err != nil {
		return err
	}
	c.Service, c.Name = service, name
	if c.Name == "" {
		// A check of an endpoint the plan lists goes by the plan's name.
		if i := slices.IndexFunc(a.plan.Plan().Licences, func(l plan.Licence) bool { return l.Endpoint == addr }); i >= 0 {
			c.Name = a.plan.Plan().Licences[i].Name
		}
	}
	rec, err := a.desk.RecordCertificate(ctx, actor, c)
	if err != nil {
		return err
	}
	// Warn now rather than at the next sweep of a running console.
	raised, err := a.desk.SweepExpiry(ctx, a.desk.Now())
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(w, struct {
			model.Certificate
			Raised int `json:"warnings_raised"`
		}{rec, raised})
	}
	loc := a.plan.Plan().Location()
	left := rec.NotAfter.Sub(a.desk.Now())
	fmt.Fprintf(w, "%s: %s\n", rec.Endpoint, rec.Name)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "  subject:\t%s\n", rec.Subject)
	fmt.Fprintf(tw, "  issuer:\t%s\n", rec.Issuer)
	if len(rec.DNSNames) > 0 {
		fmt.Fprintf(tw, "  names:\t%s\n", strings.Join(rec.DNSNames, ", "))
	}
	fmt.Fprintf(tw, "  expires:\t%s (%s)\n", rec.NotAfter.In(loc).Format("Mon 02 Jan 2006 15:04 MST"), model.LeftText(left))
	trust := "trusted for this host by this machine's roots"
	if rec.Untrusted != "" {
		trust = "NOT trusted: " + rec.Untrusted
	}
	fmt.Fprintf(tw, "  trust:\t%s\n", trust)
	if rec.Service != "" {
		fmt.Fprintf(tw, "  service:\t%s\n", rec.Service)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "recorded by %s; %d expiry warning(s) raised (hypercare list licences lists them all)\n", rec.CheckedBy, raised)
	return nil
}

// readCertificate reads the leaf certificate addr serves. Verification is
// done apart from the handshake: an expired or self-signed certificate is
// exactly what must still be read and recorded, so the handshake accepts
// any, and the chain is then checked against the system's roots for the
// host to say whether it is trusted. Nothing is sent over the connection.
func readCertificate(ctx context.Context, addr string) (model.Certificate, error) {
	host, _, _ := net.SplitHostPort(addr)
	d := tls.Dialer{Config: &tls.Config{ServerName: host, InsecureSkipVerify: true}} //nolint:gosec // read, then verified below
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return model.Certificate{}, fmt.Errorf("cert check %s: %w; check the host and port, and that it speaks TLS", addr, err)
	}
	defer conn.Close()
	state := conn.(*tls.Conn).ConnectionState()
	if len(state.PeerCertificates) == 0 {
		return model.Certificate{}, fmt.Errorf("cert check %s: the server sent no certificate", addr)
	}
	leaf := state.PeerCertificates[0]
	c := model.Certificate{Endpoint: addr, Subject: leaf.Subject.String(), Issuer: leaf.Issuer.String(),
		DNSNames: leaf.DNSNames, Serial: leaf.SerialNumber.Text(16), NotBefore: leaf.NotBefore, NotAfter: leaf.NotAfter}
	intermediates := x509.NewCertPool()
	for _, ic := range state.PeerCertificates[1:] {
		intermediates.AddCert(ic)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: host, Intermediates: intermediates}); err != nil {
		c.Untrusted = err.Error()
	}
	return c, nil
}

// licenceRow is a licence or certificate as list licences prints it.
type licenceRow struct {
	model.Licence
	RenewalLead string `json:"renewal_lead,omitzero"` // as the plan writes it, not nanoseconds
	Left        string `json:"left"`                  // "in 14 days", "expired 2 days ago"
	Stage       string `json:"stage"`                 // the warning due: none, 30d … 1d, expired
	RenewBy     string `json:"renew_by,omitzero"`
	RenewDue    bool   `json:"renew_due,omitzero"`
	Incident    string `json:"incident_at_expiry,omitzero"` // the priority opened at expiry
}

// licenceRows reads what hypercare watches: the plan's licences with the
// live expiry of the endpoints checked, and the other checked certificates.
func licenceRows(ctx context.Context, p *plan.Plan, db database, now time.Time) ([]licenceRow, error) {
	certs, err := db.Certificates(ctx)
	if err != nil {
		return nil, err
	}
	var rows []licenceRow
	for _, e := range model.Expiries(model.Watched(p.LicenceList(), certs, p.OwnerTeam), now) {
		r := licenceRow{Licence: e.Licence, Left: model.LeftText(e.Left), Stage: model.StageName(e.Stage), RenewDue: e.RenewDue}
		if e.RenewalLead > 0 {
			r.RenewalLead = spell(e.RenewalLead)
			r.RenewBy = e.RenewBy.In(p.Location()).Format(time.DateOnly)
		}
		if e.IncidentImpact.Valid() {
			pr, _ := model.PriorityFor(e.IncidentImpact, e.IncidentUrgency)
			r.Incident = pr.String()
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// licencesTable prints the rows, soonest expiry first, with what is due.
func licencesTable(tw *tabwriter.Writer, rows []licenceRow, loc *time.Location) {
	fmt.Fprintln(tw, "NAME\tKIND\tSERVICE\tOWNER\tEXPIRES\tLEFT\tSTATE\tRENEW BY\tUSAGE\tSOURCE")
	for _, r := range rows {
		state := "ok"
		switch {
		case r.Stage == "expired":
			state = "EXPIRED"
		case r.Stage != "none":
			state = r.Stage + " warning"
		}
		if r.RenewDue {
			state += ", renew now"
		}
		if r.Usage.Over() {
			state += ", OVER LIMIT"
		}
		source := "plan"
		if !r.CheckedAt.IsZero() {
			source = "checked " + r.CheckedAt.In(loc).Format("2006-01-02 15:04") + " at " + r.Endpoint
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Kind, dash(r.Service), dash(r.Owner),
			r.Expires.In(loc).Format("2006-01-02 15:04"), r.Left, state, dash(r.RenewBy), dash(r.Usage.String()), source)
	}
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// serviceRow is a service as list and show print it: what the plan says,
// with its recovery objectives in words and what depends on it.
type serviceRow struct {
	model.Service
	RPO        string   `json:"rpo,omitzero"`
	RTO        string   `json:"rto,omitzero"`
	Dependents []string `json:"dependents,omitzero"`
}

func serviceRows(list []model.Service) []serviceRow {
	deps := model.Dependents(list)
	rows := make([]serviceRow, len(list))
	for i, s := range list {
		rows[i] = serviceRow{Service: s, Dependents: deps[s.ID]}
		if s.RPO > 0 {
			rows[i].RPO = spell(s.RPO)
		}
		if s.RTO > 0 {
			rows[i].RTO = spell(s.RTO)
		}
	}
	return rows
}

func servicesTable(tw *tabwriter.Writer, rows []serviceRow) {
	fmt.Fprintln(tw, "ID\tTIER\tOWNER\tENV\tVERSION\tRPO\tRTO\tDEPENDS ON\tNEEDED BY\tNAME")
	for _, s := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Tier, s.Owner, dash(s.Environment), dash(s.Version),
			dash(s.RPO), dash(s.RTO), dash(strings.Join(s.DependsOn, ",")), dash(strings.Join(s.Dependents, ",")), s.Name)
	}
}

// serviceView is one service as show prints it: everything the plan says,
// the impact of it going down, and what is open on it and on what it needs.
type serviceView struct {
	serviceRow
	// AffectedIfDown lists every service that needs it, directly or
	// through others; Needs everything it needs.
	AffectedIfDown []string     `json:"affected_if_down"`
	Needs          []string     `json:"needs"`
	Impact         model.Impact `json:"impact"`
	Open           []string     `json:"open_incidents"`
	OpenUpstream   []string     `json:"open_on_what_it_needs"`
}

// fieldText writes the impact trees drawn, the rest from their JSON.
func (v serviceView) fieldText(key string) ([]string, bool) {
	switch key {
	case "impact":
		return []string{}, true // drawn as affected_if_down and needs
	case "affected_if_down":
		return treeLines(v.Impact.Affected, ""), true
	case "needs":
		return treeLines(v.Impact.Needs, ""), true
	}
	return nil, false
}

// treeLines draws an impact tree an entry a line, indented by depth.
func treeLines(nodes []model.ImpactNode, indent string) []string {
	if len(nodes) == 0 && indent == "" {
		return []string{"none"}
	}
	var out []string
	for _, n := range nodes {
		line := indent + n.Service
		if n.Seen {
			line += " (above)"
		}
		out = append(out, line)
		out = append(out, treeLines(n.Children, indent+"  ")...)
	}
	return out
}

// showService reads one service with its impact and the open incidents on
// it and on what it needs.
func showService(ctx context.Context, db database, id string) (serviceView, error) {
	services, err := db.Services(ctx)
	if err != nil {
		return serviceView{}, err
	}
	i := slices.IndexFunc(services, func(s model.Service) bool { return s.ID == id })
	if i < 0 {
		return serviceView{}, fmt.Errorf("service %q is not in the catalogue; 'hypercare list services' lists them", id)
	}
	imp, err := model.ImpactOf(services, id)
	if err != nil {
		return serviceView{}, err
	}
	v := serviceView{serviceRow: serviceRows(services)[i], AffectedIfDown: imp.AffectedAll, Needs: imp.NeedsAll, Impact: imp}
	refs := func(services []string) ([]string, error) {
		open, err := db.OpenIncidentsOn(ctx, services)
		out := []string{}
		for _, in := range open {
			out = append(out, fmt.Sprintf("%s %s %s: %s", in.Ref(), in.Priority, in.Service, in.Title))
		}
		return out, err
	}
	if v.Open, err = refs([]string{id}); err != nil {
		return v, err
	}
	v.OpenUpstream, err = refs(imp.NeedsAll)
	return v, err
}
