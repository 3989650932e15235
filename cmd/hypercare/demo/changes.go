package demo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// plannedChange is a change on the demo calendar. It is placed at a moment,
// or in the service's n-th maintenance window from now (negative: past), or
// from the start of day fromDay: weekly windows fall on different days of
// hypercare each week the demo runs, and fixes held back by the freeze must
// land after it.
type plannedChange struct {
	at        when
	window    int
	fromDay   int
	length    time.Duration // zero: the whole window
	service   string
	title     string
	desc      string
	typ       model.ChangeType
	state     model.ChangeState
	risk      model.Level
	closeCode string
	cancel    string // why it was cancelled, for a change that ends cancelled
}

const (
	standard, normal, emergency = model.ChangeStandard, model.ChangeNormal, model.ChangeEmergency
)

// changes is the calendar around today: the go-live cutover and the fixes of
// the week behind, one change running now, and ahead the approvals queue,
// a booking that runs into the peak-trading freeze and fixes waiting for
// the windows after it.
var changes = []plannedChange{
	{at: on(1, 4, 0), length: hm(2, 0), service: "storefront", typ: normal, state: model.ChangeClosed, risk: high, closeCode: "successful",
		title: "Go-live cutover: switch www.orion-retail.example to the new storefront",
		desc:  "Lower the CDN origin TTL, point the orion-www zone at the new origin, run the smoke tests, keep the old shop read-only."},
	{at: on(1, 8, 30), length: hm(0, 15), service: "identity", typ: emergency, state: model.ChangeClosed, risk: medium, closeCode: "successful",
		title: "Raise the identity database pool from 20 to 60 connections",
		desc:  "Migrated customers' password hash upgrades exhaust the pool at the morning peak."},
	{at: on(2, 0, 10), length: hm(0, 40), service: "cdn", typ: standard, state: model.ChangeClosed, risk: low, closeCode: "successful",
		title: "EdgeCDN: enable Brotli compression for static assets"},
	{at: on(3, 14, 0), length: hm(0, 30), service: "storefront", typ: normal, state: model.ChangeClosed, risk: medium, closeCode: "successful_with_issues",
		title: "Storefront release 1.0.4: search filter fixes",
		desc:  "Rolling deploy. Guest carts were lost during the rollout (known error); release window moved to the night."},
	{at: on(3, 23, 0), length: hm(0, 30), service: "orders-db", typ: standard, state: model.ChangeClosed, risk: low, closeCode: "successful",
		title: "Restart pgbouncer with max_client_conn 2000",
		desc:  "Connections peak briefly while clients reconnect."},
	{at: on(4, 15, 0), length: hm(0, 45), service: "search", typ: standard, state: model.ChangeClosed, risk: low, closeCode: "successful",
		title: "Rebuild the products search index (products-v3)"},
	{at: on(5, 20, 20), length: hm(0, 30), service: "orders-db", typ: standard, state: model.ChangeClosed, risk: medium, closeCode: "successful",
		title: "Grow the db-1 data disk from 1 TB to 1.5 TB",
		desc:  "Online resize (growpart, resize2fs) for headroom after the disk-full outage."},
	{window: -1, length: hm(0, 40), service: "psp-gateway", typ: normal, state: model.ChangeClosed, risk: medium, closeCode: "successful",
		title: "AcmePay: TLS cipher suite update on the EU gateway",
		desc:  "Vendor change announced by AcmePay; no action on our side, payments team on standby."},
	{window: -1, length: hm(0, 30), service: "payments", typ: normal, state: model.ChangeReview, risk: medium,
		title: "Payments release 2.4.1: idempotent webhook acknowledgement",
		desc:  "Acknowledge AcmePay webhooks before writing to orders, so AcmePay stops re-sending them."},
	{at: on(5, 23, 0), length: hm(1, 0), service: "cdn", typ: normal, state: model.ChangeCancelled, risk: low,
		title:  "EdgeCDN: enable HTTP/3 on the edge",
		desc:   "Faster first loads on mobile networks.",
		cancel: "EdgeCDN found a bug in their HTTP/3 stack; they will tell us when it is fixed."},
	{at: on(6, 22, 0), length: hm(0, 30), service: "notifications", typ: normal, state: model.ChangeClosed, risk: low, closeCode: "successful",
		title: "notifications memory limit 512Mi to 1Gi",
		desc:  "After the OOMKills during the marketing send."},
	{at: ago(0, 20), length: hm(0, 45), service: "api-gateway", typ: standard, state: model.ChangeImplement, risk: low,
		title: "Rotate the NameHost DNS API token in secret/orion/dns",
		desc:  "The new token from NameHost support; needed for cert-manager's DNS-01 challenge."},
	{at: ahead(1, 0), length: hm(0, 30), service: "api-gateway", typ: emergency, state: model.ChangeScheduled, risk: medium,
		title: "Renew the api.orion-retail.example certificate",
		desc:  "cmctl renew once the DNS token works; the certificate expires tomorrow evening.\nRollback: none needed, the old certificate stays valid until then."},
	{at: ahead(3, 0), length: hm(0, 30), service: "checkout", typ: emergency, state: model.ChangeScheduled, risk: medium,
		title: "checkout: restore the preStop hook (sleep 10s)",
		desc:  "Fixes the intermittent 502s on /api/checkout/confirm.\nRollback: argocd app rollback orion-checkout."},
	{window: 1, fromDay: 13, length: hm(1, 0), service: "storefront", typ: normal, state: model.ChangeAuthorize, risk: medium,
		title: "Storefront CPU limit from 1 to 2 cores",
		desc:  "CPU throttling at the evening peak; scaled out meanwhile."},
	{window: 1, service: "reporting", typ: normal, state: model.ChangeScheduled, risk: low,
		title: "Move the reporting extract to 05:30 and read from a snapshot",
		desc:  "Stops the extract holding back replay on db-3."},
	{window: 1, fromDay: 13, service: "payments", typ: normal, state: model.ChangeAssess, risk: high,
		title: "Roll out the renewed AcmePay mTLS client certificate",
		desc:  "AcmePay accepts the old and the new certificate for 14 days.\nRollback: restore the previous certificate from Vault."},
	{at: on(8, 22, 0), length: hm(4, 0), service: "storefront", typ: normal, state: model.ChangeNew, risk: high,
		title: "Move storefront sessions to Redis",
		desc:  "Fix for the known error on lost guest carts. Booked by the web team before the freeze dates were confirmed; runs into the Black Friday freeze."},
	{window: 2, service: "search", typ: normal, state: model.ChangeScheduled, risk: medium,
		title: "Search indexer 3.2: bulk indexing of price changes",
		desc:  "Fix for the known error on stale prices in search after the price feed."},
	{window: 2, service: "identity", typ: normal, state: model.ChangeAuthorize, risk: medium,
		title: "Keycloak 25.0.6 security patch"},
	{window: 2, fromDay: 13, service: "orders-db", typ: normal, state: model.ChangeNew, risk: high,
		title: "Partition orders_events by month",
		desc:  "Permanent fix from the RCA of the disk-full outage. Needs a rehearsal on the restore host first."},
	{at: on(13, 14, 0), length: hm(1, 0), service: "settlement", typ: normal, state: model.ChangeAuthorize, risk: medium,
		title: "Settlement: round half-even like AcmePay",
		desc:  "Permanent fix for the 0.01 unbalanced batches; finance to sign off."},
}

// leadTime is how long before its start a change of each type is raised.
var leadTime = map[model.ChangeType]time.Duration{standard: 4 * time.Hour, normal: 3 * 24 * time.Hour, emergency: time.Hour}

func (s *seeder) addChanges() error {
	for _, pc := range changes {
		start, end, err := s.changeSlot(pc)
		if err != nil {
			return err
		}
		// The team's engineer on shift raises and implements it, or the
		// desk raises it for a team without one: never a lead, who approve.
		implementer := s.plan.OwnerTeam(pc.service)
		author := s.cast.actor(engineer, implementer, start)
		if eng, ok := s.cast.engineer(implementer, start); ok {
			implementer = eng.Name
		}
		c := model.Change{
			Title: pc.title, Services: []string{pc.service}, Type: pc.typ, Impact: pc.risk, Probability: model.Medium,
			Implementer: implementer, Start: start, End: end, Description: pc.desc,
		}
		if pc.typ == emergency {
			c.Reason, _, _ = strings.Cut(pc.desc, "\n")
		}
		raised := start.Add(-leadTime[pc.typ])
		if latest := s.now.Add(-10 * time.Minute); raised.After(latest) {
			raised = latest
		}
		w := &changeWalk{s: s, pc: pc, author: author}
		s.schedule(raised, "change "+pc.title, func(ctx context.Context) error { return w.plan(ctx, c) })
		if pc.state == model.ChangeCancelled {
			// raised and submitted, then called off before anyone assessed it
			s.schedule(raised.Add(time.Hour), "cancel "+pc.title, func(ctx context.Context) error {
				return w.step(ctx, author, model.ChangeStep{Action: model.ChangeCancel, Comment: pc.cancel})
			})
			continue
		}
		// The work itself happens at the planned time, once it has come.
		if at := start; reached(pc.state, model.ChangeImplement) && !at.After(s.now) {
			s.schedule(at, "start "+pc.title, func(ctx context.Context) error {
				return w.step(ctx, author, model.ChangeStep{Action: model.ChangeStart})
			})
		}
		if at := earliest(end, s.now.Add(-time.Minute)); reached(pc.state, model.ChangeReview) {
			s.schedule(at, "complete "+pc.title, func(ctx context.Context) error {
				return w.step(ctx, author, model.ChangeStep{Action: model.ChangeComplete})
			})
		}
		if at := earliest(end.Add(time.Hour), s.now.Add(-time.Minute)); reached(pc.state, model.ChangeClosed) {
			s.schedule(at, "close "+pc.title, func(ctx context.Context) error {
				return w.step(ctx, s.cast.actor(lead, "", at), model.ChangeStep{Action: model.ChangeClose, CloseCode: pc.closeCode})
			})
		}
	}
	return nil
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// reached reports whether a change that ends in state target passes
// through state st on its way.
func reached(target, st model.ChangeState) bool {
	return slices.Index(model.ChangeStates, target) >= slices.Index(model.ChangeStates, st)
}

// changeWalk takes one demo change through the real flow: created by its
// author, submitted, assessed and approved by the plan's approvers until
// the plan's rule is met, then started, completed and closed on time.
type changeWalk struct {
	s      *seeder
	pc     plannedChange
	author model.Actor
	id     int64
	state  model.ChangeState
}

func (w *changeWalk) step(ctx context.Context, a model.Actor, st model.ChangeStep) error {
	c, _, err := w.s.desk.StepChange(ctx, a, w.id, st)
	w.state = c.State
	return err
}

func (w *changeWalk) plan(ctx context.Context, c model.Change) error {
	c, _, err := w.s.desk.CreateChange(ctx, w.author, c)
	if err != nil {
		return err
	}
	w.id = c.ID
	if w.pc.state == model.ChangeCancelled {
		return w.step(ctx, w.author, model.ChangeStep{Action: model.ChangeSubmit})
	}
	if !reached(w.pc.state, model.ChangeAssess) {
		return nil
	}
	if err := w.step(ctx, w.author, model.ChangeStep{Action: model.ChangeSubmit}); err != nil {
		return err
	}
	if w.state == model.ChangeAssess && reached(w.pc.state, model.ChangeAuthorize) {
		if err := w.approve(ctx, model.ChangeAssess, "risk and backout reviewed"); err != nil {
			return err
		}
	}
	if w.state == model.ChangeAuthorize && reached(w.pc.state, model.ChangeScheduled) {
		return w.approve(ctx, model.ChangeAuthorize, "")
	}
	return nil
}

// approve has the plan's leads approve in turn until the change leaves
// state from; those the rule does not allow (not on the board, their own
// change, already answered) are skipped, as the desk refuses them.
func (w *changeWalk) approve(ctx context.Context, from model.ChangeState, comment string) error {
	var last error
	for _, op := range w.s.plan.Operators {
		if op.Role < model.RoleLead {
			continue
		}
		c, _, err := w.s.desk.StepChange(ctx, model.Actor{Name: op.Name, Role: op.Role}, w.id,
			model.ChangeStep{Action: model.ChangeApprove, Comment: comment})
		if err != nil {
			last = errors.Join(last, err)
			continue
		}
		if w.state = c.State; c.State != from {
			return nil
		}
	}
	return fmt.Errorf("no approver could move CHG-%d on from %s: %v", w.id, from, last)
}

// changeSlot places a change in time.
func (s *seeder) changeSlot(pc plannedChange) (start, end time.Time, err error) {
	if pc.window == 0 {
		start = s.time(pc.at)
		return start, start.Add(pc.length), nil
	}
	from := s.now
	if pc.fromDay > 0 {
		from = s.time(on(pc.fromDay, 0, 0))
	}
	windows := s.plan.MaintenanceBetween(from.Add(-4*7*24*time.Hour), from.Add(6*7*24*time.Hour))
	var past, future []time.Time
	var length time.Duration
	for _, w := range windows {
		if w.Service != pc.service {
			continue
		}
		length = w.End.Sub(w.Start)
		if w.Start.After(from) {
			future = append(future, w.Start)
		} else if w.End.Before(from) {
			past = append(past, w.Start)
		}
	}
	switch {
	case pc.window > 0 && pc.window <= len(future):
		start = future[pc.window-1]
	case pc.window < 0 && -pc.window <= len(past):
		start = past[len(past)+pc.window]
	default:
		return start, end, fmt.Errorf("change %q: %s has no maintenance window %+d", pc.title, pc.service, pc.window)
	}
	if pc.length > 0 {
		length = pc.length
	}
	return start, start.Add(length), nil
}

// deploys are what the pipelines reported this week: the running change's
// own deploy, and a hotfix nobody put on the calendar.
func (s *seeder) addDeploys() error {
	running := s.time(ago(0, 18))
	s.schedule(running, "deploy of the DNS token", func(ctx context.Context) error {
		_, err := s.desk.RecordDeploy(ctx, model.System, model.Deploy{Service: "api-gateway", Version: "dns-token-2",
			By: "argocd", Start: running, Status: model.DeployStarted, Key: "argocd-api-gateway-812"})
		return err
	})
	hotfix := s.time(on(5, 16, 10))
	s.schedule(hotfix.Add(12*time.Minute), "catalog hotfix", func(ctx context.Context) error {
		_, err := s.desk.RecordDeploy(ctx, model.System, model.Deploy{Service: "catalog", Version: "3.8.1-hotfix",
			By: "jenkins (j.doe)", Start: hotfix, End: hotfix.Add(12 * time.Minute), Status: model.DeploySucceeded})
		return err
	})
	return nil
}
