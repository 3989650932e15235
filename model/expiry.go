package model

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Licence kinds.
const (
	KindLicence     = "licence"
	KindCertificate = "certificate"
)

// Licence is a licence or certificate whose expiry hypercare watches: one
// the plan lists, or a certificate read from a live endpoint (cert check).
type Licence struct {
	// Key names it across plan reloads and checks: "licence:NAME" for the
	// plan's, "certificate:HOST:PORT" for a checked one the plan does not
	// list. Warnings are remembered by it.
	Key     string    `json:"key"`
	Name    string    `json:"name"`
	Kind    string    `json:"kind"`             // KindLicence or KindCertificate
	Owner   string    `json:"owner,omitzero"`   // the team that renews it
	Service string    `json:"service,omitzero"` // the service it serves, if one
	Expires time.Time `json:"expires"`
	// RenewalLead is how long renewing it takes: renewal is due that long
	// before it expires. Zero: the plan does not say.
	RenewalLead time.Duration `json:"renewal_lead,omitzero"`
	Reference   string        `json:"reference,omitzero"` // contract, order or account number
	Usage       Usage         `json:"usage,omitzero"`
	// Endpoint is the HOST:PORT that serves a certificate; CheckedAt when a
	// live check there last read Expires (zero: the date is the plan's).
	Endpoint  string    `json:"endpoint,omitzero"`
	CheckedAt time.Time `json:"checked_at,omitzero"`
	// IncidentImpact and IncidentUrgency are the incident to open when it
	// expires; zero when the plan asks for none (the warnings still come).
	IncidentImpact  Level `json:"incident_impact,omitzero"`
	IncidentUrgency Level `json:"incident_urgency,omitzero"`
}

// Usage is what a licence allows and how much of it is used: seats, cores,
// API calls a month.
type Usage struct {
	Unit  string `json:"unit"`
	Limit int    `json:"limit"`
	InUse int    `json:"in_use"`
}

// Over reports whether more is used than the licence allows.
func (u Usage) Over() bool { return u.Limit > 0 && u.InUse > u.Limit }

func (u Usage) String() string {
	if u.Limit == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d %s (%d%%)", u.InUse, u.Limit, u.Unit, u.InUse*100/u.Limit)
}

// Certificate is what a live check read from an endpoint's TLS handshake.
type Certificate struct {
	Endpoint  string    `json:"endpoint"` // HOST:PORT
	Name      string    `json:"name"`
	Service   string    `json:"service,omitzero"`
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	DNSNames  []string  `json:"dns_names,omitzero"`
	Serial    string    `json:"serial"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	// Untrusted says why the chain did not verify for the host against the
	// checking machine's roots; empty when it did. An untrusted certificate
	// is still recorded: its expiry is what is watched.
	Untrusted string    `json:"untrusted,omitzero"`
	CheckedAt time.Time `json:"checked_at"`
	CheckedBy string    `json:"checked_by"`
}

// CertificateKey is the Key of a checked certificate the plan does not list.
func CertificateKey(endpoint string) string { return KindCertificate + ":" + endpoint }

// Watched puts the checked certificates with the plan's licences: a check
// of an endpoint the plan lists gives that entry its live expiry (what the
// endpoint serves is what expires, whatever date was written down), and
// one the plan does not list is watched on its own, owned by its service's
// owner. owner names a service's owner team.
func Watched(licences []Licence, certs []Certificate, owner func(service string) string) []Licence {
	out := slices.Clone(licences)
	for _, c := range certs {
		if i := slices.IndexFunc(out, func(l Licence) bool { return l.Endpoint != "" && l.Endpoint == c.Endpoint }); i >= 0 {
			out[i].Expires, out[i].CheckedAt = c.NotAfter, c.CheckedAt
			continue
		}
		l := Licence{Key: CertificateKey(c.Endpoint), Name: c.Name, Kind: KindCertificate, Service: c.Service,
			Expires: c.NotAfter, Endpoint: c.Endpoint, CheckedAt: c.CheckedAt}
		if c.Service != "" {
			l.Owner = owner(c.Service)
		}
		out = append(out, l)
	}
	return out
}

// ExpiryThresholds are the days before expiry at which a warning is
// raised, furthest first.
var ExpiryThresholds = []int{30, 14, 7, 1}

// Expiry stages: the threshold reached, in days, or one of these.
const (
	StageExpired = 0  // the expiry has passed
	StageNone    = -1 // more than the first threshold is left
)

// ExpiryStage is the warning due at now for something expiring then: the
// nearest threshold the time left has come within, StageExpired once it
// has passed, StageNone before the first threshold.
func ExpiryStage(expires, now time.Time) int {
	left := expires.Sub(now)
	if left <= 0 {
		return StageExpired
	}
	stage := StageNone
	for _, days := range ExpiryThresholds {
		if left <= time.Duration(days)*24*time.Hour {
			stage = days
		}
	}
	return stage
}

// StageName is how a stage is said in keys and labels: "30d", "expired".
func StageName(stage int) string {
	switch stage {
	case StageExpired:
		return "expired"
	case StageNone:
		return "none"
	}
	return fmt.Sprintf("%dd", stage)
}

// ExpiryStatus is where a licence stands at a moment.
type ExpiryStatus struct {
	Licence
	Left  time.Duration `json:"left"` // negative once expired
	Stage int           `json:"stage"`
	// RenewBy is when renewal is due (the expiry less the renewal lead);
	// RenewDue is set once that has passed and it has not yet expired.
	RenewBy  time.Time `json:"renew_by,omitzero"`
	RenewDue bool      `json:"renew_due,omitzero"`
}

// Warn reports whether leads should be told about it now: within the
// warning thresholds, expired, due for renewal or used beyond its limit.
func (e ExpiryStatus) Warn() bool {
	return e.Stage != StageNone || e.RenewDue || e.Usage.Over()
}

// Expiries works out where each licence stands at now, soonest expiry first.
func Expiries(licences []Licence, now time.Time) []ExpiryStatus {
	out := make([]ExpiryStatus, len(licences))
	for i, l := range licences {
		e := ExpiryStatus{Licence: l, Left: l.Expires.Sub(now), Stage: ExpiryStage(l.Expires, now)}
		if l.RenewalLead > 0 {
			e.RenewBy = l.Expires.Add(-l.RenewalLead)
			e.RenewDue = !now.Before(e.RenewBy) && e.Left > 0
		}
		out[i] = e
	}
	slices.SortStableFunc(out, func(a, b ExpiryStatus) int {
		return cmp.Or(a.Expires.Compare(b.Expires), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// LeftText says how far off an expiry is in words: "in 14 days", "in 9
// hours", "expired 2 days ago".
func LeftText(left time.Duration) string {
	ago := left <= 0
	if ago {
		left = -left
	}
	var n int
	var unit string
	switch {
	case left >= 48*time.Hour:
		n, unit = int(left/(24*time.Hour)), "days"
	case left >= 2*time.Hour:
		n, unit = int(left/time.Hour), "hours"
	case left >= time.Hour:
		n, unit = 1, "hour"
	default:
		n, unit = int(left/time.Minute), "minutes"
	}
	if ago {
		return fmt.Sprintf("expired %d %s ago", n, unit)
	}
	return fmt.Sprintf("in %d %s", n, unit)
}

// ExpiryNotice is the warning last raised for a licence's expiry, kept so
// each is raised once, however often the sweep runs and across restarts.
type ExpiryNotice struct {
	Key     string    // the licence's Key
	Expires time.Time // the expiry it was raised for; a renewal moves it
	Stage   int       // the stage raised
	// AlertKey is the dedup key of the feed alert raised; IncidentID the
	// incident opened at expiry, 0 while none.
	AlertKey   string
	IncidentID int64
	At         time.Time
}

// ExpirySource is the Source of the alerts the expiry sweep raises. It
// does not repeat them, so they never go stale: each stands until the
// next stage or a renewal resolves it.
const ExpirySource = "expiry"

// expiryAlert is the feed alert for a licence reaching a stage: critical
// once expired or a day away, a warning at a week or two, information a
// month out.
func expiryAlert(l Licence, stage int, now time.Time, loc *time.Location) Alert {
	name := "LicenceExpiring"
	if l.Kind == KindCertificate {
		name = "CertificateExpiring"
	}
	sev := SevWarning
	switch stage {
	case StageExpired:
		name = name[:len(name)-len("Expiring")] + "Expired"
		sev = SevCritical
	case 1:
		sev = SevCritical
	case 30:
		sev = SevInfo
	}
	when := l.Expires.In(loc).Format("Mon 02 Jan 2006 15:04 MST")
	what := l.Name // "… TLS certificate (…)" says its kind already
	if !strings.Contains(strings.ToLower(l.Name), l.Kind) {
		what += " " + l.Kind
	}
	summary := fmt.Sprintf("%s expires %s (%s)", what, LeftText(l.Expires.Sub(now)), when)
	if stage == StageExpired {
		summary = fmt.Sprintf("%s %s (%s)", what, LeftText(l.Expires.Sub(now)), when)
	}
	// An expired certificate takes its service down; a lapsed licence is
	// a contract matter first.
	category := "other"
	if l.Kind == KindCertificate {
		category = "availability"
	}
	labels := map[string]string{"alertname": name, "kind": l.Kind, "licence": l.Name, "stage": StageName(stage), "category": category}
	annotations := map[string]string{}
	if l.Service != "" {
		labels["service"] = l.Service
	}
	if l.Owner != "" {
		labels["team"] = l.Owner
		annotations["what to do"] = "renew it: team " + l.Owner + " owns it"
	}
	if l.Endpoint != "" {
		annotations["endpoint"] = l.Endpoint
		annotations["checked"] = "the date is the plan's; check the live one with hypercare cert check " + l.Endpoint
		if !l.CheckedAt.IsZero() {
			annotations["checked"] = "read from the endpoint " + l.CheckedAt.In(loc).Format("Mon 02 Jan 2006 15:04 MST")
		}
	}
	if l.Reference != "" {
		annotations["reference"] = l.Reference
	}
	return Alert{
		DedupKey: expiryAlertKey(l, stage), Source: ExpirySource, Name: name, Severity: sev, State: AlertFiring,
		Service: l.Service, Summary: summary, Labels: labels, Annotations: annotations, StartsAt: now,
	}
}

// expiryAlertKey names one stage of one expiry: a renewal (a new expiry)
// starts a fresh set of warnings.
func expiryAlertKey(l Licence, stage int) string {
	return fmt.Sprintf("expiry:%s:%s:%s", l.Key, l.Expires.UTC().Format(time.DateOnly), StageName(stage))
}
