package model

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Ingest applies one drop in one transaction: every alert is deduplicated
// by key, its state history, flapping, silence, "after change" and storm
// marks are worked out, and the plan's routes may open or update incidents.
// A drop whose content hash was applied before changes nothing. A deploy
// drop's deploys are recorded as RecordDeploy records each, a heartbeat
// drop's heartbeats as RecordHeartbeat does.
func (s *Desk) Ingest(ctx context.Context, a Actor, d Drop) (IngestResult, error) {
	if err := a.Check(PermIngest); err != nil {
		return IngestResult{}, err
	}
	if len(d.Deploys) > 0 {
		return s.ingestDeploys(ctx, a, d)
	}
	if len(d.Heartbeats) > 0 {
		return s.ingestHeartbeats(ctx, a, d)
	}
	pol := s.pol()
	var res IngestResult
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		res, err = s.applyDrop(tx, a, d, s.Now().UTC(), pol)
		return err
	})
	return res, err
}

// dropSeen reports whether a drop with the same content was applied before
// (its hash is recorded), marking res a duplicate so that nothing is
// applied twice. A drop without a hash is never seen.
func dropSeen(tx Tx, d Drop, res *IngestResult) (bool, error) {
	if d.SHA256 == "" {
		return false, nil
	}
	seen, err := tx.DropSeen(d.SHA256)
	if err != nil {
		return false, err
	}
	res.Duplicate = seen
	return seen, nil
}

// IngestAll applies several alert drops in one transaction, in order, each
// exactly as Ingest applies it alone, so that a deep queue of small drops
// pays for one commit instead of one each. A drop whose content is at fault
// (ErrInvalidDrop) is undone alone: errs[i] says why, and the others are
// applied. Any other error undoes them all and is returned: nothing was
// applied. Deploy and heartbeat drops are refused; Ingest applies them.
func (s *Desk) IngestAll(ctx context.Context, a Actor, ds []Drop) (res []IngestResult, errs []error, err error) {
	if err := a.Check(PermIngest); err != nil {
		return nil, nil, err
	}
	for _, d := range ds {
		if len(d.Deploys) > 0 || len(d.Heartbeats) > 0 {
			return nil, nil, fmt.Errorf("%s: a deploy or heartbeat drop is applied alone (Ingest), not with others", d.Name)
		}
	}
	pol := s.pol()
	// Most batches have no drop at fault, and a savepoint per drop costs
	// (SQLite copies each page a drop changes that an earlier drop had
	// changed). So the batch is applied first without savepoints; if a drop
	// turns out to be at fault, that attempt is rolled back whole and the
	// batch applied again, each drop in a savepoint of its own, so that the
	// one at fault is undone alone.
	res, errs, err = s.ingestBatch(ctx, a, ds, pol, false)
	switch {
	case err == nil:
		return res, errs, nil
	case !errors.Is(err, ErrInvalidDrop):
		return nil, nil, err
	case len(ds) == 1:
		// Rolling the transaction back undid the drop alone.
		return []IngestResult{{}}, []error{err}, nil
	}
	return s.ingestBatch(ctx, a, ds, pol, true)
}

// ingestBatch applies ds in one transaction. Without savepoints any error
// rolls the whole batch back and is returned; with them, a drop at fault
// (ErrInvalidDrop) is undone alone and errs says why.
func (s *Desk) ingestBatch(ctx context.Context, a Actor, ds []Drop, pol Policy, savepoints bool) (res []IngestResult, errs []error, err error) {
	err = s.store.Write(ctx, func(tx Tx) error {
		res, errs = make([]IngestResult, len(ds)), make([]error, len(ds))
		for i, d := range ds {
			apply := func() error {
				var err error
				res[i], err = s.applyDrop(tx, a, d, s.Now().UTC(), pol)
				return err
			}
			var err error
			if savepoints {
				err = tx.Savepoint(apply)
			} else {
				err = apply()
			}
			switch {
			case savepoints && errors.Is(err, ErrInvalidDrop):
				res[i], errs[i] = IngestResult{}, err
			case err != nil:
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return res, errs, nil
}

// applyDrop applies one alert drop inside tx.
func (s *Desk) applyDrop(tx Tx, a Actor, d Drop, now time.Time, pol Policy) (IngestResult, error) {
	if d.Received.IsZero() {
		d.Received = now
	}
	var res IngestResult
	if seen, err := dropSeen(tx, d, &res); err != nil || seen {
		return res, err
	}
	silences, err := tx.ActiveSilences(now)
	if err != nil {
		return res, err
	}
	in := newIntake(s, tx, a, d, now, pol, silences, &res)
	keys := make([]string, 0, len(d.Events))
	for _, ev := range d.Events {
		if !ev.Ack {
			keys = append(keys, Clean(ev.Alert.DedupKey, false))
		}
	}
	if err := tx.LookupAlerts(keys, now.Add(-in.rules.FlapWindow)); err != nil {
		return res, err
	}
	for i, ev := range d.Events {
		if err := in.apply(ev); err != nil {
			return res, fmt.Errorf("%s: alert %d (%s): %w", d.Name, i+1, ev.Alert.DedupKey, err)
		}
	}
	for _, r := range d.Refused {
		if err := in.refused(r); err != nil {
			return res, err
		}
	}
	if err := in.finish(); err != nil {
		return res, err
	}
	if d.SHA256 != "" {
		if err := tx.RecordDrop(d, res.Alerts); err != nil {
			return res, err
		}
	}
	// One audit record per drop, not per alert: a storm of 10,000 alerts
	// is one thing that happened.
	return res, s.audit(tx, a, "drop.ingest", d.Name, nil, struct {
		Format string `json:"format"`
		IngestResult
	}{d.Format, res})
}

// intake is the state of one drop being applied. It remembers what it
// looked up for earlier alerts of the drop (recent changes per service,
// storms per group), since a drop's alerts mostly share them, and a
// statement saved per alert is most of the cost of a 10,000-alert drop.
type intake struct {
	desk     *Desk
	tx       Tx
	actor    Actor
	drop     Drop
	now      time.Time
	pol      Policy
	rules    AlertRules
	silences []Silence
	res      *IngestResult

	changes map[string]int64 // service → change started within AfterChange (0: none)
	groups  map[string]*groupState
	storms  map[int64]bool // storms whose members this drop touched

	// What routes looked up for earlier alerts of the drop: the open
	// incident of each service and alert group (0: none), and whether an
	// incident is open.
	groupIncident map[string]int64
	incidentOpen  map[int64]bool
	// resolved are the incidents whose alerts resolved in this drop, each
	// with the last of them: whether any still fire is asked once, at the
	// end, not once per resolve.
	resolved  map[int64]Alert
	resolveAt []int64 // resolved's keys in the order they came
	// notes are the timeline entries owed to incidents: one entry per
	// incident per drop, however many of its alerts the drop carried.
	notes   map[int64][]string
	notedAt []int64
}

// groupState is what the intake knows of an alert group's storm.
type groupState struct {
	storm  int64 // the group's storm, 0 while there is none
	recent int   // the group's alerts first seen within the storm window
	joined int   // alerts this drop added to the storm, counted at the end
}

func newIntake(d *Desk, tx Tx, a Actor, drop Drop, now time.Time, pol Policy, silences []Silence, res *IngestResult) *intake {
	return &intake{desk: d, tx: tx, actor: a, drop: drop, now: now, pol: pol, rules: pol.AlertRules(),
		silences: silences, res: res, changes: map[string]int64{}, groups: map[string]*groupState{}, storms: map[int64]bool{},
		groupIncident: map[string]int64{}, incidentOpen: map[int64]bool{}, resolved: map[int64]Alert{}, notes: map[int64][]string{}}
}

// finish does what the drop's alerts left to its end, each once: how much
// each storm grew is recorded; the row
// that stands for each storm the drop touched is elected again, so a storm
// shows as long as any of its members fires and with the worst severity
// among them; incidents whose alerts all resolved are noted (or resolved);
// and each incident gets its one timeline entry for the drop.
func (in *intake) finish() error {
	for _, key := range slices.Sorted(maps.Keys(in.groups)) {
		g := in.groups[key]
		if g.storm != 0 && g.joined > 0 {
			if err := in.tx.GrowStorm(g.storm, g.joined, in.now); err != nil {
				return err
			}
		}
	}
	for _, id := range in.resolveAt {
		if err := in.allResolved(id, in.resolved[id]); err != nil {
			return err
		}
	}
	if err := in.writeNotes(); err != nil {
		return err
	}
	for _, id := range slices.Sorted(maps.Keys(in.storms)) {
		if err := in.tx.RefreshStorm(id); err != nil {
			return err
		}
	}
	return nil
}

func (in *intake) apply(ev AlertEvent) error {
	al := ev.Alert
	al.DedupKey = Clean(al.DedupKey, false)
	if al.DedupKey == "" {
		return fmt.Errorf("%w: an alert has no dedup key", ErrInvalidDrop)
	}
	if ev.Ack {
		return in.ack(al.DedupKey)
	}
	if err := cleanAlert(&al); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidDrop, err)
	}
	routing := in.pol.Route(al.Labels)
	if ev.Incident != 0 {
		routing.AutoIncident = true
		routing.Impact, routing.Urgency = PriorityLevels(ev.Incident)
		routing.Team = cmp.Or(ev.Team, routing.Team)
	}
	if routing.Service != "" {
		al.Service = routing.Service
	}
	if al.Service == "" {
		al.Service = al.Labels["service"]
	}
	// The group is stored with the alert, so storm counts include it.
	al.Group = in.drop.Group
	if al.Group == "" && al.Service != "" {
		// A report that names only its key (a resolve) keeps its group.
		al.Group = "service:" + al.Service
	}
	al.LastSeen = in.now
	al.FirstSeen = in.now
	// A new alert of a group that storms is written as the storm's member.
	g, err := in.group(al.Group)
	if err != nil {
		return err
	}
	al.StormID = g.storm
	up, err := in.tx.UpsertAlert(&al, in.now.Add(-in.rules.FlapWindow))
	if err != nil {
		return err
	}
	if up.Older {
		in.res.Older++
		return nil
	}
	isNew, changed := up.New, up.Changed
	in.res.Alerts++
	if isNew {
		in.res.New++
	} else if changed {
		in.res.Changed++
	}
	if al.StormID != 0 {
		in.storms[al.StormID] = true // a member changed: its storm's row may be another now
	}
	before := al
	if changed && !isNew {
		// The store records each change; a new alert has only its arrival.
		al.Flapping = up.Changes >= in.rules.FlapChanges
	}
	al.SilencedBy = silencedBy(in.silences, al.Labels)
	al.Truncated = in.drop.Truncated
	// hypercare's own expiry warnings come from the calendar, never from
	// a change that happened to start before them.
	if al.State == AlertFiring && changed && in.rules.AfterChange > 0 && al.Source != ExpirySource {
		id, err := in.recentChange(al.Service)
		if err != nil {
			return err
		}
		al.AfterChange = id
	}
	stormMarked := false
	if isNew {
		if stormMarked, err = in.storm(&al, g); err != nil {
			return err
		}
	}
	if err := in.route(&al, routing, changed); err != nil {
		return err
	}
	now, was := marks(al), marks(before)
	if stormMarked {
		was.storm = now.storm // written with the storm's other members
	}
	if now != was {
		return in.tx.SetAlertMarks(al)
	}
	return nil
}

// refused puts an alert the drop could not carry in the feed as an intake
// error, where the NOC sees it: a warning named AlertRefused, on the
// refused alert's service when it is known, saying what was wrong and
// where. It is one row per refused alert (by its key, or its sender and
// name): a sender that keeps sending the same broken alert repeats the row,
// and once it stops, the row goes stale and resolves (DefaultAlertSource).
// Routes are not applied: an intake error opens no incident.
func (in *intake) refused(r RefusedAlert) error {
	id := r.Key
	if id == "" {
		id = in.drop.Format + "/" + r.Name
	}
	name := r.Name
	if name == "" {
		name = "an alert"
	}
	al := Alert{
		DedupKey: "refused:" + id, Source: IntakeSource, Name: "AlertRefused", Severity: SevWarning, State: AlertFiring,
		Service: r.Service, Summary: fmt.Sprintf("%s from %s was refused: %s", name, in.drop.Format, r.Reason),
		Labels: map[string]string{"alertname": "AlertRefused", "refused": r.Name, "source": in.drop.Format},
		Annotations: map[string]string{"reason": r.Reason, "where": r.Where, "drop": in.drop.Name,
			"what to do": "fix the sender: the rest of its drop was applied, this alert was not (hypercare formats lists the fields and limits)"},
		StartsAt: in.now, FirstSeen: in.now, LastSeen: in.now, Group: IntakeSource,
	}
	if _, err := in.tx.UpsertAlert(&al, in.now); err != nil {
		return err
	}
	in.res.Refused = append(in.res.Refused, r)
	if sil := silencedBy(in.silences, al.Labels); sil != al.SilencedBy {
		al.SilencedBy = sil
		return in.tx.SetAlertMarks(al)
	}
	return nil
}

// SweepStale finds the firing alerts whose sender has not repeated them for
// longer than its repeat interval (AlertSource.StaleAfter) and marks them
// stale, which takes them out of the firing counts, or resolves them where
// the plan says resolve_stale (routes then note or resolve their incidents
// as for any resolve). A sender's next report of a stale alert is believed,
// whatever its times. Like SweepSLA it runs on a timer in every process
// that ingests, in one transaction, and a quiet tick commits nothing.
func (s *Desk) SweepStale(ctx context.Context, now time.Time) (swept int, err error) {
	now = now.UTC()
	pol := s.pol()
	err = s.store.Write(ctx, func(tx Tx) error {
		swept = 0
		res := IngestResult{}
		in := newIntake(s, tx, System, Drop{Name: "stale sweep", Format: IntakeSource}, now, pol, nil, &res)
		var refs []string
		for _, src := range pol.AlertSources() {
			after := src.StaleAfter()
			if after <= 0 {
				continue
			}
			stale, err := tx.StaleAlerts(src.Name, now.Add(-after))
			if err != nil {
				return err
			}
			for _, al := range stale {
				refs = append(refs, al.Ref())
				if src.ResolveStale {
					if err := in.inferResolve(al); err != nil {
						return err
					}
					continue
				}
				if err := tx.MarkStale(al.ID); err != nil {
					return err
				}
				if al.StormID != 0 {
					in.storms[al.StormID] = true
				}
			}
		}
		if len(refs) == 0 {
			return errQuiet
		}
		swept = len(refs)
		if err := in.finish(); err != nil {
			return err
		}
		return s.audit(tx, System, "alert.stale", fmt.Sprintf("%d alert(s)", swept), nil, struct {
			Alerts    []string `json:"alerts"`
			Incidents []string `json:"incidents,omitzero"`
		}{refs, res.Incidents})
	})
	if errors.Is(err, errQuiet) {
		err = nil
	}
	return swept, err
}

// ReconcileSource resolves the firing alerts of a source that the source
// itself no longer holds: present are the dedup keys (fingerprints) it
// listed (Alertmanager's /api/v2/alerts), fetched at listedAt. Only alerts
// last heard before listedAt are judged, so one that fired after the list
// was taken is not resolved by it. Like a stale resolve, the resolve is
// inferred: the sender's next report of the alert is believed over it.
func (s *Desk) ReconcileSource(ctx context.Context, source string, present map[string]bool, listedAt time.Time) (resolved int, err error) {
	now := s.Now().UTC()
	pol := s.pol()
	err = s.store.Write(ctx, func(tx Tx) error {
		resolved = 0
		firing, err := tx.StaleAlerts(source, listedAt)
		if err != nil {
			return err
		}
		res := IngestResult{}
		in := newIntake(s, tx, System, Drop{Name: source + " reconcile", Format: IntakeSource}, now, pol, nil, &res)
		var refs []string
		for _, al := range firing {
			if present[al.DedupKey] {
				continue
			}
			if err := in.inferResolve(al); err != nil {
				return err
			}
			refs = append(refs, al.Ref())
		}
		if len(refs) == 0 {
			return errQuiet
		}
		resolved = len(refs)
		if err := in.finish(); err != nil {
			return err
		}
		return s.audit(tx, System, "alert.reconcile", source, nil, struct {
			Resolved  []string `json:"resolved"`
			Incidents []string `json:"incidents,omitzero"`
		}{refs, res.Incidents})
	})
	if errors.Is(err, errQuiet) {
		err = nil
	}
	return resolved, err
}

// inferResolve resolves an alert its sender did not resolve: it went stale,
// or the sender no longer holds it. The resolve is marked stale, as
// inferred, so the sender's next report of the alert overrules it whatever
// its times. Routes then note or resolve its incident as for any resolve.
func (in *intake) inferResolve(al Alert) error {
	if err := in.apply(AlertEvent{Alert: Alert{DedupKey: al.DedupKey, State: AlertResolved, Stale: true}}); err != nil {
		return fmt.Errorf("resolve %s: %w", al.Ref(), err)
	}
	return nil
}

// recentChange is the change that started on a service within the plan's
// after_change window, 0 when none; looked up once per service per drop.
func (in *intake) recentChange(service string) (int64, error) {
	if id, ok := in.changes[service]; ok {
		return id, nil
	}
	var id int64
	switch c, err := in.tx.ChangeStartedBetween(service, in.now.Add(-in.rules.AfterChange), in.now); {
	case err == nil:
		id = c.ID
	case !errors.Is(err, ErrNotFound):
		return 0, err
	}
	in.changes[service] = id
	return id, nil
}

// marks are the fields SetAlertMarks stores, to skip the write when none moved.
type alertMarks struct {
	silencedBy, afterChange, incidentID, storm int64
	flapping                                   bool
	truncated                                  int
}

func marks(a Alert) alertMarks {
	return alertMarks{a.SilencedBy, a.AfterChange, a.IncidentID, a.StormID, a.Flapping, a.Truncated}
}

func silencedBy(silences []Silence, labels map[string]string) int64 {
	for _, sil := range silences {
		if MatchAll(sil.Matchers, labels) {
			return sil.ID
		}
	}
	return 0
}

// ack applies a sender's acknowledgement (PagerDuty, Opsgenie) to a known alert.
func (in *intake) ack(key string) error {
	al, err := in.tx.AlertByKey(key)
	if errors.Is(err, ErrNotFound) {
		return nil // nothing to acknowledge: the trigger never reached us
	}
	if err != nil {
		return err
	}
	in.res.Alerts++
	return in.tx.UpdateAlertAck(al.ID, "via "+in.drop.Format, in.now, time.Time{})
}

// group is what the drop knows of an alert group's storm, looked up at
// the group's first alert in the drop, before that alert is written.
func (in *intake) group(key string) (*groupState, error) {
	if g, ok := in.groups[key]; ok {
		return g, nil
	}
	g := &groupState{}
	since := in.now.Add(-in.rules.StormWindow)
	switch id, err := in.tx.OpenStorm(key, since); {
	case err == nil:
		g.storm = id
	case !errors.Is(err, ErrNotFound):
		return nil, err
	default:
		// Counted before the drop's first alert of the group is written;
		// each new one is counted as it comes (storm).
		if g.recent, err = in.tx.GroupSince(key, since); err != nil {
			return nil, err
		}
	}
	in.groups[key] = g
	return g, nil
}

// storm counts a new alert into its group's storm, or starts one when the
// group has reached the plan's storm size within its window. It reports
// whether the alert's membership is taken care of in the store: one that
// joined an open storm was written as its member, and a new storm takes
// in its members itself.
func (in *intake) storm(al *Alert, g *groupState) (bool, error) {
	if g.storm != 0 {
		g.joined++
		in.storms[g.storm] = true
		return true, nil
	}
	g.recent++
	if g.recent < in.rules.StormSize {
		return false, nil
	}
	id, err := in.tx.StartStorm(al.Group, in.now.Add(-in.rules.StormWindow), in.now)
	if err != nil {
		return false, err
	}
	g.storm, al.StormID = id, id
	in.storms[id] = true
	return true, nil
}

// route opens or updates an incident for a firing alert whose route asks
// for it, and notes on the incident when its last alert resolves. What it
// writes on an incident's timeline is owed until the drop's end (note), so
// that a drop of many alerts makes one entry per incident.
func (in *intake) route(al *Alert, r Routing, changed bool) error {
	switch {
	case al.State == AlertFiring && r.AutoIncident && al.SilencedBy == 0:
		if al.IncidentID != 0 {
			open, err := in.isOpen(al.IncidentID)
			if err != nil {
				return err
			}
			if open {
				if changed {
					in.note(al.IncidentID, fmt.Sprintf("%s firing again (%s)", al.Name, al.Ref()))
				}
				return nil
			}
		}
		key := al.Service + "\x00" + al.Group
		id, known := in.groupIncident[key]
		if !known || id != 0 && !in.incidentOpen[id] {
			switch inc, err := in.tx.OpenIncidentForGroup(al.Service, al.Group); {
			case err == nil:
				id = inc.ID
				in.incidentOpen[id] = true
			case errors.Is(err, ErrNotFound):
				id = 0
			default:
				return err
			}
			in.groupIncident[key] = id
		}
		if id != 0 {
			al.IncidentID = id
			in.res.Incidents = appendOnce(in.res.Incidents, Incident{ID: id, Kind: KindIncident}.Ref())
			in.note(id, fmt.Sprintf("%s firing (%s): %s", al.Name, al.Ref(), al.Summary))
			return nil
		}
		return in.openIncident(al, r, routeNames(r.Routes))
	case al.State == AlertResolved && changed && al.IncidentID != 0:
		if _, ok := in.resolved[al.IncidentID]; !ok {
			in.resolveAt = append(in.resolveAt, al.IncidentID)
		}
		in.resolved[al.IncidentID] = *al
	}
	return nil
}

// isOpen reports whether an incident is open, reading it once per drop.
func (in *intake) isOpen(id int64) (bool, error) {
	if open, ok := in.incidentOpen[id]; ok {
		return open, nil
	}
	inc, err := in.tx.Incident(id)
	if err != nil {
		return false, err
	}
	in.incidentOpen[id] = inc.State.Open()
	return inc.State.Open(), nil
}

// allResolved notes on an open incident, or resolves it where the plan
// says auto_resolve, once none of its alerts fires: last is the last of
// them to resolve in this drop.
func (in *intake) allResolved(id int64, last Alert) error {
	firing, err := in.tx.FiringForIncident(id)
	if err != nil || firing > 0 {
		return err
	}
	inc, err := in.tx.Incident(id)
	if err != nil || !inc.State.Open() {
		return err
	}
	in.res.Incidents = appendOnce(in.res.Incidents, inc.Ref())
	if !in.rules.AutoResolve {
		in.note(id, fmt.Sprintf("all alerts resolved (last: %s %s)", last.Name, last.Ref()))
		return nil
	}
	// What the drop owed the incident comes before its resolution.
	if err := in.writeNotes(); err != nil {
		return err
	}
	before := inc
	inc.State, inc.Resolution, inc.ResolvedAt, inc.UpdatedAt = StateResolved, "fixed", in.now, in.now
	if err := in.tx.UpdateIncident(inc); err != nil {
		return err
	}
	in.incidentOpen[id] = false
	if err := in.timeline(inc.ID, "state", fmt.Sprintf("%s → Resolved (fixed): all alerts resolved, auto_resolve is on", before.State.Label())); err != nil {
		return err
	}
	return in.desk.audit(in.tx, in.actor, "incident.state", inc.Ref(), before, inc)
}

// openIncident opens an incident for an alert; why says who asked ("route
// X", or an operator) for the description and timeline.
// routeNames says which of the plan's routes decided something: route "A",
// or routes "A" and "B".
func routeNames(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = strconv.Quote(n)
	}
	switch len(quoted) {
	case 0:
		return "the plan's routes"
	case 1:
		return "route " + quoted[0]
	}
	return "routes " + orList(quoted[:len(quoted)-1]) + " and " + quoted[len(quoted)-1]
}

func (in *intake) openIncident(al *Alert, r Routing, why string) error {
	impact, urgency := r.Impact, r.Urgency
	if !impact.Valid() {
		impact = Medium
	}
	if !urgency.Valid() {
		urgency = Medium
	}
	prio, _ := PriorityFor(impact, urgency)
	tier, _ := in.pol.ServiceTier(al.Service)
	team := r.Team
	if team == "" {
		team = in.pol.OwnerTeam(al.Service)
	}
	category := al.Labels["category"]
	if !slices.Contains(Categories, category) {
		category = "availability"
	}
	title := al.Name
	if al.Service != "" {
		title += " on " + al.Service
	}
	if al.Summary != "" {
		title += ": " + al.Summary
	}
	title = shorten(title, maxAlertTitle)
	inc := Incident{
		Kind: KindIncident, Title: title, Service: al.Service, Category: category,
		Impact: impact, Urgency: urgency, Priority: prio, State: StateNew, Major: IsMajor(prio, tier, false),
		Team: team, OpenedAt: in.now, UpdatedAt: in.now, LevelSince: in.now,
		Description: fmt.Sprintf("Opened from %s (%s) by %s.", al.Ref(), al.DedupKey, why),
	}
	retarget(&inc, in.pol.SLAFor(KindIncident, prio))
	if err := in.tx.InsertIncident(&inc); err != nil {
		return err
	}
	if err := in.tx.SetIncidentGroup(inc.ID, al.Group); err != nil {
		return err
	}
	al.IncidentID = inc.ID
	in.incidentOpen[inc.ID] = true
	in.groupIncident[al.Service+"\x00"+al.Group] = inc.ID
	in.res.Incidents = appendOnce(in.res.Incidents, inc.Ref())
	if err := in.timeline(inc.ID, "created", fmt.Sprintf("opened as %s by %s: %s %s (%s)", prio, why, al.Name, al.State, al.Ref())); err != nil {
		return err
	}
	if err := in.desk.incidentWritten(in.tx, in.actor, nil, inc, in.now); err != nil {
		return err
	}
	return in.desk.audit(in.tx, in.actor, "incident.create", inc.Ref(), nil, inc)
}

// maxAlertTitle bounds the title of an incident opened from an alert, in
// characters: the alert's whole summary stays on the alert.
const maxAlertTitle = 120

// shorten cuts s to at most n characters, ending it with "…" when cut.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func (in *intake) timeline(id int64, kind, text string) error {
	return in.tx.AddTimeline(&TimelineEntry{IncidentID: id, At: in.now, Actor: in.actor.Name, Kind: kind, Text: text})
}

// note owes an incident a line in the drop's one timeline entry for it.
func (in *intake) note(id int64, text string) {
	if _, ok := in.notes[id]; !ok {
		in.notedAt = append(in.notedAt, id)
	}
	in.notes[id] = append(in.notes[id], text)
}

// notesShown is how many of a drop's lines for one incident its timeline
// entry spells out; the alerts themselves list every one.
const notesShown = 3

// writeNotes writes each incident's timeline entry for the drop.
func (in *intake) writeNotes() error {
	for _, id := range in.notedAt {
		lines := in.notes[id]
		text := lines[0]
		if len(lines) > 1 {
			text = fmt.Sprintf("%d alerts: %s", len(lines), strings.Join(lines[:min(len(lines), notesShown)], "; "))
			if len(lines) > notesShown {
				text += fmt.Sprintf("; and %d more", len(lines)-notesShown)
			}
		}
		if err := in.timeline(id, "alert", text); err != nil {
			return err
		}
	}
	in.notes, in.notedAt = map[int64][]string{}, nil
	return nil
}

func appendOnce(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// RecordAlert stores one alert report that did not come in a drop file
// (the demo, tests): the same path as a drop, without the content hash.
func (s *Desk) RecordAlert(ctx context.Context, a Actor, al Alert) (Alert, error) {
	if _, err := s.Ingest(ctx, a, Drop{Name: "record", Format: "api", Events: []AlertEvent{{Alert: al}}}); err != nil {
		return Alert{}, err
	}
	var out Alert
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		out, err = tx.AlertByKey(Clean(al.DedupKey, false))
		return err
	})
	return out, err
}

// AckAlert acknowledges an alert, optionally only until a time.
func (s *Desk) AckAlert(ctx context.Context, a Actor, id int64, until time.Time) error {
	if err := a.Check(PermAckAlert); err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx Tx) error {
		before, err := tx.AlertByID(id)
		if err != nil {
			return fmt.Errorf("ALR-%d: %w", id, err)
		}
		if before.State != AlertFiring {
			return fmt.Errorf("%s is resolved; only firing alerts can be acknowledged", before.Ref())
		}
		now := s.Now().UTC()
		if !until.IsZero() && !until.After(now) {
			return fmt.Errorf("ack until %s: that is in the past", until.Format(time.RFC3339))
		}
		if err := tx.UpdateAlertAck(id, a.Name, now, until); err != nil {
			return err
		}
		after := before
		after.AckBy, after.AckAt, after.AckUntil = a.Name, now, until
		return s.audit(tx, a, "alert.ack", after.Ref(), before, after)
	})
}

// SilenceMatchers are the matchers a silence of alert a starts from: its
// identity, every label, but the instance, so that the silence covers the
// alert wherever it fires (a noisy alert is noisy on every pod), alertname
// first and the rest by name.
func SilenceMatchers(a Alert) []Matcher {
	var out []Matcher
	keys := slices.Sorted(maps.Keys(a.Labels))
	if i := slices.Index(keys, "alertname"); i > 0 {
		keys = append(append([]string{"alertname"}, keys[:i]...), keys[i+1:]...)
	}
	for _, k := range keys {
		if k == "instance" {
			continue
		}
		m, err := NewMatcher(k, MatchEqual, a.Labels[k])
		if err == nil {
			out = append(out, m)
		}
	}
	return out
}

// CreateSilence mutes matching alerts from now for a duration. It marks the
// firing alerts it matches at once and reports how many.
func (s *Desk) CreateSilence(ctx context.Context, a Actor, matchers []Matcher, d time.Duration, comment string) (Silence, error) {
	sil, err := s.newSilence(a, matchers, d, comment)
	if err != nil {
		return Silence{}, err
	}
	err = s.store.Write(ctx, func(tx Tx) error {
		sil.Matching = 0
		if err := tx.InsertSilence(&sil); err != nil {
			return err
		}
		if err := tx.FiringAlerts(func(al Alert) error {
			if al.SilencedBy != 0 || !MatchAll(sil.Matchers, al.Labels) {
				return nil
			}
			sil.Matching++
			al.SilencedBy = sil.ID
			return tx.SetAlertMarks(al)
		}); err != nil {
			return err
		}
		return s.audit(tx, a, "silence.create", sil.Ref(), nil, sil)
	})
	return sil, err
}

// MaxSilence is the longest a silence lasts from now; one still needed
// after that is added, or extended, again.
const MaxSilence = 14 * 24 * time.Hour

// newSilence is the silence an actor asks for, from now for d: checked
// for permission and sense, its comment cleaned, not yet stored.
func (s *Desk) newSilence(a Actor, matchers []Matcher, d time.Duration, comment string) (Silence, error) {
	if err := s.CheckSilence(a); err != nil {
		return Silence{}, err
	}
	comment = strings.TrimSpace(Clean(comment, true))
	if err := checkSilence(matchers, d, comment); err != nil {
		return Silence{}, err
	}
	now := s.Now().UTC()
	return Silence{Matchers: matchers, Author: a.Name, Comment: comment, StartsAt: now, EndsAt: now.Add(d), CreatedAt: now}, nil
}

func checkSilence(matchers []Matcher, d time.Duration, comment string) error {
	switch {
	case len(matchers) == 0:
		return errors.New("matchers: write at least one, e.g. service=checkout")
	case d <= 0:
		return errors.New("duration: must be positive, e.g. 2h")
	case d > MaxSilence:
		return errors.New("duration: at most 14 days; silence again if it is still needed")
	case comment == "":
		return errors.New("comment: say why, so the next shift knows")
	}
	return nil
}

// CheckSilence says whether the actor may manage silences: the plan's
// [alerts] silence_role (operators by default).
func (s *Desk) CheckSilence(a Actor) error {
	needs := s.pol().AlertRules().SilenceRole
	if needs == 0 {
		needs = RoleOperator
	}
	return a.CheckAs(PermSilence, needs)
}

// activeSilence is silence id if it is in force at now.
func activeSilence(tx Tx, id int64, now time.Time) (Silence, []Silence, error) {
	active, err := tx.ActiveSilences(now)
	if err != nil {
		return Silence{}, nil, err
	}
	for _, sil := range active {
		if sil.ID == id {
			return sil, active, nil
		}
	}
	return Silence{}, nil, fmt.Errorf("SIL-%d is not in force (it ended, or does not exist); :silences lists those that are", id)
}

// ExtendSilence moves a silence's end later by d, at most MaxSilence from
// now.
func (s *Desk) ExtendSilence(ctx context.Context, a Actor, id int64, d time.Duration) (Silence, error) {
	if err := s.CheckSilence(a); err != nil {
		return Silence{}, err
	}
	if d <= 0 {
		return Silence{}, errors.New("extend by: a positive duration, e.g. 2h")
	}
	now := s.Now().UTC()
	var after Silence
	err := s.store.Write(ctx, func(tx Tx) error {
		before, _, err := activeSilence(tx, id, now)
		if err != nil {
			return err
		}
		after = before
		after.EndsAt = before.EndsAt.Add(d)
		if after.EndsAt.Sub(now) > MaxSilence {
			return fmt.Errorf("extend by: %s would end it %s from now; a silence lasts at most 14 days", d, after.EndsAt.Sub(now).Round(time.Hour))
		}
		if err := tx.SetSilenceEnd(id, after.EndsAt); err != nil {
			return err
		}
		return s.audit(tx, a, "silence.extend", before.Ref(), before, after)
	})
	return after, err
}

// ReplaceSilence edits a silence as Alertmanager does: the old one ends
// now and a new one with the new matchers and comment takes its place,
// lasting d from now. The alerts the old one muted and the new one does
// not notify again.
func (s *Desk) ReplaceSilence(ctx context.Context, a Actor, id int64, matchers []Matcher, d time.Duration, comment string) (Silence, error) {
	sil, err := s.newSilence(a, matchers, d, comment)
	if err != nil {
		return Silence{}, err
	}
	now := sil.StartsAt
	err = s.store.Write(ctx, func(tx Tx) error {
		old, _, err := activeSilence(tx, id, now)
		if err != nil {
			return err
		}
		if err := tx.ExpireSilence(id, now); err != nil {
			return fmt.Errorf("SIL-%d: %w", id, err)
		}
		if err := tx.InsertSilence(&sil); err != nil {
			return err
		}
		active, err := tx.ActiveSilences(now)
		if err != nil {
			return err
		}
		sil.Matching = 0
		if err := tx.FiringAlerts(func(al Alert) error {
			if al.SilencedBy != 0 && al.SilencedBy != id {
				return nil // another silence holds it
			}
			by := silencedBy(active, al.Labels)
			if by == sil.ID {
				sil.Matching++
			}
			if by == al.SilencedBy {
				return nil
			}
			al.SilencedBy = by
			return tx.SetAlertMarks(al)
		}); err != nil {
			return err
		}
		if err := s.audit(tx, a, "silence.expire", old.Ref(), old, fmt.Sprintf("replaced by %s", sil.Ref())); err != nil {
			return err
		}
		return s.audit(tx, a, "silence.create", sil.Ref(), old, sil)
	})
	return sil, err
}

// ExpireSilence ends a silence now and unmutes the alerts it held, unless
// another active silence matches them.
func (s *Desk) ExpireSilence(ctx context.Context, a Actor, id int64) error {
	if err := s.CheckSilence(a); err != nil {
		return err
	}
	now := s.Now().UTC()
	return s.store.Write(ctx, func(tx Tx) error {
		if err := tx.ExpireSilence(id, now); err != nil {
			return fmt.Errorf("SIL-%d: %w", id, err)
		}
		active, err := tx.ActiveSilences(now)
		if err != nil {
			return err
		}
		if err := tx.FiringAlerts(func(al Alert) error {
			if al.SilencedBy != id {
				return nil
			}
			al.SilencedBy = silencedBy(active, al.Labels)
			return tx.SetAlertMarks(al)
		}); err != nil {
			return err
		}
		return s.audit(tx, a, "silence.expire", fmt.Sprintf("SIL-%d", id), nil, nil)
	})
}

// IncidentForAlert returns the open incident an alert belongs to, or opens
// one from the alert (impact and urgency from the plan's routes, else from
// its severity) and attaches the alert to it.
func (s *Desk) IncidentForAlert(ctx context.Context, a Actor, alertID int64) (Incident, error) {
	if err := a.Check(PermOpenIncident); err != nil {
		return Incident{}, err
	}
	var out Incident
	err := s.store.Write(ctx, func(tx Tx) error {
		al, err := tx.AlertByID(alertID)
		if err != nil {
			return fmt.Errorf("ALR-%d: %w", alertID, err)
		}
		if al.IncidentID != 0 {
			inc, err := tx.Incident(al.IncidentID)
			if err != nil {
				return err
			}
			if inc.State.Open() {
				out = inc
				return nil
			}
		}
		pol := s.pol()
		r := pol.Route(al.Labels)
		if !r.Impact.Valid() || !r.Urgency.Valid() {
			r.Impact, r.Urgency = severityLevels(al.Severity)
		}
		if r.Service == "" {
			r.Service = al.Service
		}
		if _, ok := pol.ServiceTier(al.Service); !ok {
			return fmt.Errorf("%s is on service %q, which is not in the plan; add it under [[service]] first", al.Ref(), al.Service)
		}
		in := newIntake(s, tx, a, Drop{Name: "console"}, s.Now().UTC(), pol, nil, &IngestResult{})
		if err := in.openIncident(&al, r, a.Name); err != nil {
			return err
		}
		if err := tx.SetAlertMarks(al); err != nil {
			return err
		}
		out, err = tx.Incident(al.IncidentID)
		return err
	})
	return out, err
}

// severityLevels maps an alert's severity to impact and urgency when no
// route says otherwise.
func severityLevels(s Severity) (Level, Level) {
	switch s {
	case SevCritical:
		return High, High
	case SevInfo:
		return Low, Low
	}
	return Medium, Medium
}

func cleanAlert(al *Alert) error {
	al.DedupKey = Clean(al.DedupKey, false)
	al.Name = Clean(al.Name, false)
	al.Service = Clean(al.Service, false)
	al.Summary = Clean(al.Summary, false)
	al.Source = Clean(al.Source, false)
	CleanMap(al.Labels)
	CleanMap(al.Annotations)
	if al.DedupKey == "" {
		return fmt.Errorf("alert %q: dedup key missing", al.Name)
	}
	if al.State != AlertFiring && al.State != AlertResolved {
		return fmt.Errorf("alert %q: state %q: use firing or resolved", al.Name, al.State)
	}
	return nil
}
