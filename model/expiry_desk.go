package model

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"
)

// RecordCertificate stores what a live check read from an endpoint,
// replacing the endpoint's previous check, so its expiry is watched like a
// licence's from then on.
func (s *Desk) RecordCertificate(ctx context.Context, a Actor, c Certificate) (Certificate, error) {
	if err := a.Check(PermCheckCertificate); err != nil {
		return Certificate{}, err
	}
	if err := s.cleanCertificate(&c); err != nil {
		return Certificate{}, err
	}
	c.CheckedAt, c.CheckedBy = s.Now().UTC().Truncate(time.Millisecond), a.Name
	err := s.store.Write(ctx, func(tx Tx) error {
		before, err := tx.Certificate(c.Endpoint)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if err := tx.UpsertCertificate(c); err != nil {
			return err
		}
		var was any
		if before.Endpoint != "" {
			was = before
		}
		return s.audit(tx, a, "certificate.check", c.Endpoint, was, c)
	})
	return c, err
}

// cleanCertificate strips what the endpoint sent of control sequences and
// checks what the record needs.
func (s *Desk) cleanCertificate(c *Certificate) error {
	c.Endpoint = strings.TrimSpace(Clean(c.Endpoint, false))
	if _, port, err := net.SplitHostPort(c.Endpoint); err != nil || port == "" {
		return fmt.Errorf("endpoint %q: give HOST:PORT, such as api.example.com:443", c.Endpoint)
	}
	if c.NotAfter.IsZero() {
		return fmt.Errorf("%s: the certificate has no expiry (NotAfter)", c.Endpoint)
	}
	c.Service = strings.TrimSpace(c.Service)
	if c.Service != "" {
		if _, ok := s.pol().ServiceTier(c.Service); !ok {
			return fmt.Errorf("service %q is not in the plan; name one of its services, or leave --service out", c.Service)
		}
	}
	c.Name, c.Subject, c.Issuer, c.Serial = Clean(c.Name, false), Clean(c.Subject, false), Clean(c.Issuer, false), Clean(c.Serial, false)
	c.Untrusted = Clean(c.Untrusted, false)
	for i, n := range c.DNSNames {
		c.DNSNames[i] = Clean(n, false)
	}
	if c.Name == "" {
		host, _, _ := net.SplitHostPort(c.Endpoint)
		c.Name = host + " TLS certificate"
	}
	c.NotBefore, c.NotAfter = c.NotBefore.UTC(), c.NotAfter.UTC()
	return nil
}

// Watched is every licence and certificate hypercare watches now: the
// plan's, with the live expiry of those an endpoint check has read, and
// the checked certificates the plan does not list.
func (s *Desk) Watched(ctx context.Context) ([]Licence, error) {
	certs, err := s.store.Certificates(ctx)
	if err != nil {
		return nil, err
	}
	pol := s.pol()
	return Watched(pol.LicenceList(), certs, pol.OwnerTeam), nil
}

// SweepExpiry raises the expiry warnings due at now, each once, in one
// transaction: a feed alert when a licence or certificate comes within 30,
// 14, 7 and 1 days of its expiry and when it expires (each resolving the
// one before), and at expiry an incident where the plan asks for one. A
// renewal — a later expiry in the plan, or a check that reads a newer
// certificate — resolves the warning standing, and so does taking the
// licence out of the plan. What was raised is kept with the expiry it was
// for, so a restart, a second process or a sweep that missed a threshold
// (the console was off) raises nothing twice, and only the nearest stage.
// Like SweepSLA it runs on a timer in every process that ingests, and a
// quiet tick commits nothing.
func (s *Desk) SweepExpiry(ctx context.Context, now time.Time) (raised int, err error) {
	now = now.UTC()
	pol := s.pol()
	err = s.store.Write(ctx, func(tx Tx) error {
		raised = 0
		certs, err := tx.Certificates()
		if err != nil {
			return err
		}
		notices, err := tx.ExpiryNotices()
		if err != nil {
			return err
		}
		sweep := expirySweep{desk: s, tx: tx, pol: pol, now: now}
		watched := Watched(pol.LicenceList(), certs, pol.OwnerTeam)
		for _, l := range watched {
			i := slices.IndexFunc(notices, func(n ExpiryNotice) bool { return n.Key == l.Key })
			var was ExpiryNotice
			if i >= 0 {
				was = notices[i]
			}
			if err := sweep.one(l, was); err != nil {
				return fmt.Errorf("expiry of %s: %w", l.Name, err)
			}
		}
		for _, n := range notices {
			if !slices.ContainsFunc(watched, func(l Licence) bool { return l.Key == n.Key }) {
				sweep.gone(n)
			}
		}
		if len(sweep.events) == 0 && len(sweep.writes) == 0 {
			// A quiet tick ends without a commit, so no session is woken.
			return errQuiet
		}
		if err := sweep.apply(); err != nil {
			return err
		}
		raised = sweep.raised
		return nil
	})
	if errors.Is(err, errQuiet) {
		err = nil
	}
	return raised, err
}

// expirySweep collects what one sweep changes, then applies it: the
// alerts go through the drop intake as one drop, so routes, silences and
// the feed treat them as any other alert.
type expirySweep struct {
	desk   *Desk
	tx     Tx
	pol    Policy
	now    time.Time
	events []AlertEvent
	writes []expiryWrite
	raised int
}

// expiryWrite is a notice to store (or delete, when gone), with the
// licence whose incident is due at expiry.
type expiryWrite struct {
	notice   ExpiryNotice
	gone     bool
	incident *Licence
	warned   *Licence // raised a warning: audited
}

// one decides what is due for a licence given the notice last raised for it.
func (w *expirySweep) one(l Licence, was ExpiryNotice) error {
	if was.Key != "" && !was.Expires.Equal(l.Expires) {
		// Renewed (or the date corrected): what stood was for another expiry.
		w.resolve(was.AlertKey)
		w.writes = append(w.writes, expiryWrite{notice: was, gone: true})
		was = ExpiryNotice{}
	}
	stage := ExpiryStage(l.Expires, w.now)
	if stage == StageNone {
		return nil
	}
	n := was
	if was.Key == "" || stage < was.Stage {
		al := expiryAlert(l, stage, w.now, w.pol.Location())
		w.events = append(w.events, AlertEvent{Alert: al})
		if was.Key != "" {
			w.resolve(was.AlertKey)
		}
		n = ExpiryNotice{Key: l.Key, Expires: l.Expires, Stage: stage, AlertKey: al.DedupKey, IncidentID: was.IncidentID, At: w.now}
		lc := l
		wr := expiryWrite{notice: n, warned: &lc}
		if stage == StageExpired && l.IncidentImpact.Valid() && n.IncidentID == 0 {
			wr.incident = &lc
		}
		w.writes = append(w.writes, wr)
		w.raised++
	}
	return nil
}

// gone resolves the warning of a licence no longer watched.
func (w *expirySweep) gone(n ExpiryNotice) {
	w.resolve(n.AlertKey)
	w.writes = append(w.writes, expiryWrite{notice: n, gone: true})
}

func (w *expirySweep) resolve(key string) {
	if key != "" {
		w.events = append(w.events, AlertEvent{Alert: Alert{DedupKey: key, Source: ExpirySource, State: AlertResolved, EndsAt: w.now}})
	}
}

// apply runs the alerts through the intake, opens the incidents due at
// expiry and stores the notices, with an audit record for each warning.
func (w *expirySweep) apply() error {
	tx := w.tx
	silences, err := tx.ActiveSilences(w.now)
	if err != nil {
		return err
	}
	var res IngestResult
	in := newIntake(w.desk, tx, System, Drop{Name: "expiry sweep", Format: ExpirySource}, w.now, w.pol, silences, &res)
	for _, ev := range w.events {
		if err := in.apply(ev); err != nil {
			return fmt.Errorf("alert %s: %w", ev.Alert.DedupKey, err)
		}
	}
	if err := in.finish(); err != nil {
		return err
	}
	for _, wr := range w.writes {
		if wr.gone {
			if err := tx.DeleteExpiryNotice(wr.notice.Key); err != nil {
				return err
			}
			continue
		}
		n := wr.notice
		if wr.incident != nil {
			id, err := w.openIncident(in, *wr.incident, n.AlertKey)
			if err != nil {
				return err
			}
			n.IncidentID = id
		}
		if err := tx.PutExpiryNotice(n); err != nil {
			return err
		}
		if err := w.desk.audit(tx, System, "expiry.warn", wr.warned.Name, nil, struct {
			Key     string    `json:"key"`
			Expires time.Time `json:"expires"`
			Stage   string    `json:"stage"`
			Alert   string    `json:"alert"`
			Inc     int64     `json:"incident,omitzero"`
		}{n.Key, n.Expires, StageName(n.Stage), n.AlertKey, n.IncidentID}); err != nil {
			return err
		}
	}
	return nil
}

// openIncident opens the incident the plan asks for when l expires, from
// its expired alert, unless a route already attached the alert to one.
func (w *expirySweep) openIncident(in *intake, l Licence, alertKey string) (int64, error) {
	al, err := w.tx.AlertByKey(alertKey)
	if err != nil {
		return 0, err
	}
	if al.IncidentID != 0 {
		return al.IncidentID, nil
	}
	r := Routing{Impact: l.IncidentImpact, Urgency: l.IncidentUrgency, Team: l.Owner}
	if err := in.openIncident(&al, r, fmt.Sprintf("the plan (licence %q opens an incident when it expires)", l.Name)); err != nil {
		return 0, err
	}
	if err := w.tx.SetAlertMarks(al); err != nil {
		return 0, err
	}
	return al.IncidentID, nil
}
