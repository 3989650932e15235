package plan

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// Licence is a licence or certificate whose expiry is watched: warned
// about at 30, 14, 7 and 1 days, and at expiry.
type Licence struct {
	Name    string    `toml:"name"`
	Expires time.Time `toml:"expires"`
	Owner   string    `toml:"owner"` // team id
	Kind    string    `toml:"kind"`  // licence or certificate
	Service string    `toml:"service,omitempty"`
	// Endpoint is the HOST:PORT serving a certificate: a check of it
	// (hypercare cert check) replaces Expires with what is really served.
	Endpoint string `toml:"endpoint,omitempty"`
	// RenewalLead is how long renewing takes: renewal is due this long
	// before the expiry.
	RenewalLead string `toml:"renewal_lead,omitempty"`
	Reference   string `toml:"reference,omitempty"` // contract, order or account number
	Usage       Usage  `toml:"usage,omitempty"`
	// Incident, when set, opens an incident of this impact and urgency
	// when it expires.
	Incident LevelPair `toml:"incident,omitempty"`

	lead            time.Duration
	impact, urgency model.Level
}

// Usage is what a licence allows and how much of it is in use.
type Usage struct {
	Unit  string `toml:"unit,omitempty"` // defaults to seats
	Limit int    `toml:"limit"`
	InUse int    `toml:"in_use"`
}

// LevelPair is an impact and an urgency, which give an incident's priority.
type LevelPair struct {
	Impact  string `toml:"impact"`
	Urgency string `toml:"urgency"`
}

// Key names a licence across reloads: its kind and name.
func (l Licence) Key() string { return l.Kind + ":" + l.Name }

// LicenceList lists the licences and certificates the plan watches, in the
// form the service layer keeps them (model.Policy).
func (p *Plan) LicenceList() []model.Licence {
	out := make([]model.Licence, len(p.Licences))
	for i, l := range p.Licences {
		out[i] = model.Licence{Key: l.Key(), Name: l.Name, Kind: l.Kind, Owner: l.Owner, Service: l.Service,
			Expires: l.Expires, RenewalLead: l.lead, Reference: l.Reference, Endpoint: l.Endpoint,
			Usage:          model.Usage{Unit: l.Usage.Unit, Limit: l.Usage.Limit, InUse: l.Usage.InUse},
			IncidentImpact: l.impact, IncidentUrgency: l.urgency}
	}
	return out
}

func (c *checker) checkLicences(p *Plan) {
	c.index("licence", "name", len(p.Licences), func(i int) string { return p.Licences[i].Name })
	for i := range p.Licences {
		l := &p.Licences[i]
		if l.Name == "" {
			c.missing(field("licence", i, "name"), "the product or certificate name")
		}
		c.when(field("licence", i, "expires"), &l.Expires, p.loc, false)
		c.ref(field("licence", i, "owner"), l.Owner, c.teams, "team id")
		if l.Kind == "" {
			l.Kind = model.KindLicence
		}
		if l.Kind != model.KindLicence && l.Kind != model.KindCertificate {
			c.add(field("licence", i, "kind"), "%q is not a kind; use \"licence\" or \"certificate\"", l.Kind)
		}
		if l.Service != "" {
			c.ref(field("licence", i, "service"), l.Service, c.services, "service id")
		}
		if l.Endpoint != "" {
			host, port, err := net.SplitHostPort(l.Endpoint)
			if _, perr := strconv.Atoi(port); err != nil || perr != nil || host == "" {
				c.add(field("licence", i, "endpoint"), "%q is not HOST:PORT; write it like \"api.example.com:443\"", l.Endpoint)
			}
			if l.Kind != model.KindCertificate {
				c.add(field("licence", i, "endpoint"), "only a certificate is served by an endpoint; set kind = \"certificate\", or remove endpoint")
			}
		}
		if l.RenewalLead != "" {
			l.lead = c.duration(field("licence", i, "renewal_lead"), l.RenewalLead)
		}
		if u := &l.Usage; u.Limit != 0 || u.InUse != 0 || u.Unit != "" {
			if u.Limit <= 0 {
				c.add(field("licence", i, "usage.limit"), "%d: give how many the licence allows, a whole number above zero", u.Limit)
			}
			if u.InUse < 0 {
				c.add(field("licence", i, "usage.in_use"), "%d is negative; give how many are in use", u.InUse)
			}
			if u.Unit == "" {
				u.Unit = "seats"
			}
		}
		if in := l.Incident; in != (LevelPair{}) {
			path := fmt.Sprintf("licence[%d].incident", i+1)
			if in.Impact == "" || in.Urgency == "" {
				c.add(path, "give both impact and urgency (high, medium or low), such as incident = { impact = \"high\", urgency = \"high\" }")
				continue
			}
			l.impact = c.level(path+".impact", in.Impact)
			l.urgency = c.level(path+".urgency", in.Urgency)
		}
	}
}
