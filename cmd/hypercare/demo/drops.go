package demo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
)

// WriteDrops is the demo platform's monitoring, live: until ctx ends it
// writes one alert drop into dir every interval, the first one at once, the
// way real senders do — into a dotfile beside the final name, then renamed
// in — so the demo's alerts take the same path as production ones: the
// watcher, the parsers, the rules of the intake, processed/ and rejected/.
//
// The stream rotates through every format hypercare reads (Alertmanager,
// Grafana, PagerDuty Events v2, Opsgenie and generic NDJSON) and draws its
// alerts from the catalogue of the plan's services, so they route as the
// seeded history did. Over a few minutes it fires, repeats and resolves
// alerts, has one alert flap, sends a storm of crash-looping pods in one
// Alertmanager notification, and now and then a broken file for rejected/
// (the first within a minute, so a demo user sees one). What it writes
// depends only on rnd; the times in it come from the clock.
//
// Files are named 20261125T101503.123-0042-alertmanager.json: the UTC time,
// a sequence number and the sender, so they are unique and sort in the
// order they were written. dir is created if need be. WriteDrops returns nil
// when ctx ends and the first failed write otherwise.
func WriteDrops(ctx context.Context, dir string, p *plan.Plan, every time.Duration, rnd *rand.Rand) error {
	if every <= 0 {
		return fmt.Errorf("demo drops: interval %v: must be positive", every)
	}
	if rnd == nil {
		return errors.New("demo drops: no random source")
	}
	s, err := newStream(p, rnd)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("demo drops: %w", err)
	}
	w := dropWriter{dir: dir}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for ctx.Err() == nil {
		now := time.Now()
		if err := w.write(s.next(now), now); err != nil {
			if ctx.Err() != nil {
				return nil // the demo is ending and its folder may be gone
			}
			return err
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
	return nil
}

// dropWriter puts drops into the drop folder with the producer protocol.
type dropWriter struct {
	dir string
	seq int
}

// dropName is the final name of the seq-th drop, written at a moment.
func dropName(at time.Time, d drop, seq int) string {
	return fmt.Sprintf("%s-%04d-%s%s", at.UTC().Format("20060102T150405.000"), seq, d.sender, d.ext)
}

func (w *dropWriter) write(d drop, at time.Time) error {
	w.seq++
	name := dropName(at, d, w.seq)
	tmp := filepath.Join(w.dir, "."+name+".tmp") // hidden and temporary: the watcher ignores it
	err := os.WriteFile(tmp, d.data, 0o644)
	if err == nil {
		err = os.Rename(tmp, filepath.Join(w.dir, name))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("demo drop %s: %w", name, err)
	}
	return nil
}

// drop is one file of the stream.
type drop struct {
	sender string // in the file name: the format, or who sent a broken file
	ext    string // .json or .ndjson
	data   []byte
	broken bool // meant for rejected/
	// refused is how many of its alerts are meant to be refused while the
	// rest is applied (the file goes to processed/ with a .error).
	refused int
	what    string // what it carries, for tests and debugging
}

// The formats the stream writes; each catalogue rule is sent in the format
// of its Source, and synthetic probes in the generic form.
const (
	fmtAlertmanager = "alertmanager"
	fmtGrafana      = "grafana"
	fmtPagerDuty    = "pagerduty"
	fmtOpsgenie     = "opsgenie"
	fmtGeneric      = "generic"
)

// fireOrder is the rotation of formats new alerts are fired in: half of
// them Alertmanager, as on a Prometheus-monitored platform, and every
// other format once in eight.
var fireOrder = []string{fmtAlertmanager, fmtGrafana, fmtAlertmanager, fmtGeneric, fmtAlertmanager, fmtPagerDuty, fmtAlertmanager, fmtOpsgenie}

// The stream's rhythm, in ticks (3 s each in the console). The first broken
// file, flap and storm come at fixed ticks so every demo shows them early;
// later ones come at random.
const (
	firstBroken = 5 // 15 s in
	brokenOdds  = 40
	firstFlap   = 10
	flapOdds    = 100 // then after a quiet flapOdds/2 ticks, about one in flapOdds
	firstStorm  = 18  // about a minute in
	liveStorm   = 400 // odds of another storm, about every twenty minutes
	settleOdds  = 4   // a due alert resolves on three ticks in settleOdds
	againOdds   = 5   // one tick in againOdds re-delivers a firing alert
	minLife     = 10  // ticks a new alert fires at least …
	lifeSpread  = 50  // … plus up to this many
	maxAlerts   = 30  // max_alerts of the Alertmanager receiver; the rest is truncatedAlerts

	// Critical alerts open P1 incidents on the tier-1 services: they come
	// now and then, not every minute. The first is the synthetic login
	// probe, about five minutes in; after each, the next waits 10 to 20
	// minutes.
	firstCritical = 100
	critGap       = 200
	critSpread    = 200

	// restTicks is how long a resolved alert rests before it may fire
	// again: 30 minutes, so that no alert but the flapping one changes
	// state four times within hypercare's 30-minute flap window.
	restTicks = 600
)

// stream is the demo platform's monitoring: what is firing, in which format
// and group, and the flap and storm under way.
type stream struct {
	rnd      *rand.Rand
	formats  map[string]Catalogue // the rules sent in each format, weighted
	owners   map[string]string    // service → owner team, for Opsgenie responders
	tick     int
	turn     int // index into fireOrder
	firing   []*live
	flap     *flapper
	flapped  int            // the tick the last flap ended
	storm    string         // group key of the storm under way, "" when none
	brokenNo int            // broken files written so far
	resting  map[string]int // dedup key → the tick it may fire again
	run      int            // the last batch run numbered
	closes   int            // Opsgenie alerts closed
	nextCrit int            // the tick from which a critical alert may fire again
	probed   bool           // the first critical, the login probe, has fired
}

// live is a firing alert and how it is sent.
type live struct {
	model.Alert
	rule   Rule
	format string
	group  string  // Alertmanager/Grafana group key
	value  float64 // the measurement in its summary
	left   int     // ticks until it is due to resolve
	acked  bool    // PagerDuty: acknowledged before resolving
}

// flapper is one alert hovering around its threshold: it fires and resolves
// every tick or two, changes times in all.
type flapper struct {
	*live
	firing  bool
	changes int // state changes still to send
	next    int // tick of the next one
}

func newStream(p *plan.Plan, rnd *rand.Rand) (*stream, error) {
	if p == nil {
		return nil, errors.New("demo drops: no plan")
	}
	cat := DefaultCatalogue().For(p.ModelServices())
	s := &stream{rnd: rnd, formats: map[string]Catalogue{}, owners: map[string]string{}, resting: map[string]int{}, run: 800 + rnd.IntN(100),
		nextCrit: firstCritical}
	for _, r := range cat {
		s.owners[r.Service] = p.OwnerTeam(r.Service)
		if r.Weight > 0 {
			f := formatOf(r.Source)
			s.formats[f] = append(s.formats[f], r)
		}
	}
	if len(s.formats[fmtAlertmanager]) == 0 {
		return nil, errors.New("demo drops: the plan has none of the demo services; use the demo plan")
	}
	return s, nil
}

// formatOf is the format a rule's source sends in.
func formatOf(source string) string {
	switch source {
	case fmtAlertmanager, fmtGrafana, fmtPagerDuty, fmtOpsgenie:
		return source
	}
	return fmtGeneric
}

// next is the drop of the next tick. Its content depends only on the
// stream's random source; now only dates it.
func (s *stream) next(now time.Time) drop {
	s.tick++
	for _, a := range s.firing {
		a.left--
	}
	if s.tick%restTicks == 0 { // forget the rested, so days of demo take no more memory than an hour
		maps.DeleteFunc(s.resting, func(_ string, until int) bool { return until <= s.tick })
	}
	if s.storm != "" && !slices.ContainsFunc(s.firing, func(a *live) bool { return a.group == s.storm }) {
		s.storm = ""
	}
	if s.tick == firstBroken || s.tick > firstBroken && s.rnd.IntN(brokenOdds) == 0 {
		return s.broken(now)
	}
	if s.storm == "" && (s.tick == firstStorm || s.tick > firstStorm && s.rnd.IntN(liveStorm) == 0) {
		if d, ok := s.startStorm(now); ok {
			return d
		}
	}
	if s.flap == nil && (s.tick == firstFlap || s.tick > s.flapped+flapOdds/2 && s.rnd.IntN(flapOdds) == 0) {
		s.startFlap()
	}
	if s.flap != nil && s.tick >= s.flap.next {
		return s.toggle(now)
	}
	if i := slices.IndexFunc(s.firing, func(a *live) bool { return a.left <= 0 }); i >= 0 && s.rnd.IntN(settleOdds) != 0 {
		return s.settle(s.firing[i], now)
	}
	// A storm's group is not re-sent while it lasts: Alertmanager's
	// repeat_interval is longer than a demo storm.
	if calm := s.calm(); len(calm) > 0 && s.rnd.IntN(againOdds) == 0 {
		return s.again(calm[s.rnd.IntN(len(calm))], now)
	}
	return s.fire(now)
}

// fire raises a new alert in the next format of the rotation; one that is
// already firing is delivered again. Alerts resting after they resolved are
// not drawn; when every draw rests, a firing alert is delivered again,
// of the same format if one is firing.
func (s *stream) fire(now time.Time) drop {
	format := fireOrder[s.turn%len(fireOrder)]
	for s.turn++; len(s.formats[format]) == 0; s.turn++ {
		format = fireOrder[s.turn%len(fireOrder)] // Alertmanager has rules: newStream checked
	}
	if !s.probed && s.tick >= s.nextCrit && len(s.formats[fmtGeneric]) > 0 {
		format, s.probed = fmtGeneric, true // the first critical: the probes
	}
	rules := s.formats[format]
	for range 5 {
		r := rules.pick(s.rnd)
		inst := r.Instances[s.rnd.IntN(len(r.Instances))]
		if !s.drawable(r, inst) {
			continue
		}
		changed := []*live{s.raise(r, inst, format, now)}
		if format == fmtGeneric && len(r.Instances) > 1 && s.rnd.IntN(3) == 0 {
			// Probes fail together when the cause is on our side.
			if other := r.Instances[s.rnd.IntN(len(r.Instances))]; other != inst && s.drawable(r, other) {
				changed = append(changed, s.raise(r, other, format, now))
			}
		}
		return s.send(format, changed, now, "fire "+r.Name+" on "+r.Service)
	}
	calm := s.calm()
	if same := slices.DeleteFunc(slices.Clone(calm), func(a *live) bool { return a.format != format }); len(same) > 0 {
		calm = same
	}
	if len(calm) > 0 {
		return s.again(calm[s.rnd.IntN(len(calm))], now)
	}
	// Nothing fires: the first Alertmanager rule and instance that may fire,
	// from a random place on.
	am := s.formats[fmtAlertmanager]
	var r Rule
	inst := ""
	for i, start := 0, s.rnd.IntN(len(am)); i < len(am) && inst == ""; i++ {
		r = am[(start+i)%len(am)]
		if j := slices.IndexFunc(r.Instances, func(in string) bool { return s.drawable(r, in) }); j >= 0 {
			inst = r.Instances[j]
		}
	}
	if inst == "" { // every instance of every rule rests: fire one anyway
		inst = r.Instances[0]
	}
	return s.send(fmtAlertmanager, []*live{s.raise(r, inst, fmtAlertmanager, now)}, now, "fire "+r.Name+" on "+r.Service)
}

// drawable reports whether rule r may fire on an instance now: not while
// it flaps, nor while it rests after resolving, nor, for a critical rule,
// before the next critical is due.
func (s *stream) drawable(r Rule, inst string) bool {
	if r.Severity == model.SevCritical && s.tick < s.nextCrit {
		return false
	}
	if s.flap != nil && s.flap.rule.Name == r.Name && s.flap.rule.Service == r.Service && s.flap.Labels["instance"] == inst {
		return false
	}
	return s.resting[r.key(inst)] <= s.tick
}

// key is the dedup key of rule r's alert on an instance.
func (r Rule) key(inst string) string { return r.Firing(inst, 0, time.Time{}).DedupKey }

// calm is the firing alerts outside the storm under way.
func (s *stream) calm() []*live {
	return slices.DeleteFunc(slices.Clone(s.firing), func(a *live) bool { return s.storm != "" && a.group == s.storm })
}

// raise fires rule r on an instance for a random while, or delivers it
// again with a new measurement when it is firing already. A batch job's
// PagerDuty alert is keyed by its run, as schedulers do, so each failed run
// is an alert of its own.
func (s *stream) raise(r Rule, inst, format string, now time.Time) *live {
	value := r.value(s.rnd)
	life := minLife + s.rnd.IntN(lifeSpread)
	if format == fmtOpsgenie {
		life *= 3 // a certificate is not renewed in a minute
	}
	a := r.Firing(inst, value, now)
	job := r.Labels["job"]
	for _, f := range s.firing {
		if f.DedupKey == a.DedupKey || format == fmtPagerDuty && job != "" && f.rule.Name == r.Name && f.rule.Service == r.Service {
			f.measure(value) // it lasts as long as its cause, however often it is sent
			return f
		}
	}
	if format == fmtPagerDuty && job != "" {
		s.run++
		a.DedupKey = fmt.Sprintf("%s-run-%d", job, s.run)
	}
	l := &live{Alert: a, rule: r, format: format, group: groupKey(r, format), value: value, left: life}
	s.firing = append(s.firing, l)
	if r.Severity == model.SevCritical {
		s.nextCrit = s.tick + critGap + s.rnd.IntN(critSpread)
	}
	return l
}

// measure takes a new measurement of a firing alert.
func (a *live) measure(value float64) {
	fresh := a.rule.Firing(a.Labels["instance"], value, a.StartsAt)
	a.value, a.Summary, a.Annotations = value, fresh.Summary, fresh.Annotations
}

// again re-delivers a firing alert with a new measurement, as senders do
// while a problem lasts (Alertmanager's repeat_interval, a PagerDuty
// re-trigger, a repeated Opsgenie create or probe result).
func (s *stream) again(a *live, now time.Time) drop {
	a.measure(a.rule.value(s.rnd))
	a.LastSeen = now
	return s.send(a.format, []*live{a}, now, "repeat "+a.Name+" on "+a.Service)
}

// settle ends an alert whose time has come: PagerDuty incidents are often
// acknowledged first; Alertmanager and Grafana resolve every due alert of
// the group in one notification, probes every due probe in one file.
func (s *stream) settle(a *live, now time.Time) drop {
	switch a.format {
	case fmtPagerDuty:
		if !a.acked && s.rnd.IntN(2) == 0 {
			a.acked, a.left = true, 2+s.rnd.IntN(4)
			return drop{sender: fmtPagerDuty, ext: ".json", data: pdAction("acknowledge", a.DedupKey), what: "acknowledge " + a.Name}
		}
		s.rest(a)
		return drop{sender: fmtPagerDuty, ext: ".json", data: pdAction("resolve", a.DedupKey), what: "resolve " + a.Name}
	case fmtOpsgenie:
		s.rest(a)
		s.closes++ // through the API and through Opsgenie's webhook, in turn
		return drop{sender: fmtOpsgenie, ext: ".json", data: ogClose(a, s.closes%2 == 0), what: "close " + a.Name}
	}
	var done []*live
	for _, f := range s.firing {
		if f.left <= 0 && f.format == a.format && f.group == a.group {
			done = append(done, f)
		}
	}
	for _, f := range done {
		s.rest(f)
		f.State, f.EndsAt, f.LastSeen = model.AlertResolved, now, now
	}
	return s.send(a.format, done, now, fmt.Sprintf("resolve %d %s", len(done), a.Name))
}

func (s *stream) remove(a *live) {
	s.firing = slices.DeleteFunc(s.firing, func(f *live) bool { return f == a })
}

// rest removes a resolved alert and keeps it from firing again for a
// while, so only the flapping alert flaps.
func (s *stream) rest(a *live) {
	s.remove(a)
	s.resting[a.DedupKey] = s.tick + restTicks
}

// send writes the drop that reports changed alerts in their format. An
// Alertmanager or Grafana notification carries the rest of the group's
// firing alerts too, as theirs do, up to max_alerts.
func (s *stream) send(format string, changed []*live, now time.Time, what string) drop {
	d := drop{sender: format, ext: ".json", what: what}
	switch format {
	case fmtAlertmanager, fmtGrafana:
		alerts := slices.Clone(changed)
		for _, f := range s.firing {
			if f.group == changed[0].group && !slices.Contains(alerts, f) {
				alerts = append(alerts, f)
			}
		}
		truncated := 0
		if len(alerts) > maxAlerts {
			alerts, truncated = alerts[:maxAlerts], len(alerts)-maxAlerts
		}
		d.data = amNotification(format, changed[0].group, alerts, truncated)
	case fmtPagerDuty:
		d.data = pdTrigger(changed[0])
	case fmtOpsgenie:
		d.data = ogCreate(changed[0], s.owners[changed[0].Service])
	default:
		d.ext, d.data = ".ndjson", genericLines(changed, now)
	}
	return d
}

// startFlap picks an Alertmanager warning to hover around its threshold:
// latency, replication lag, a queue that drains and fills.
func (s *stream) startFlap() {
	var warnings Catalogue
	for _, r := range s.formats[fmtAlertmanager] {
		if r.Severity == model.SevWarning {
			warnings = append(warnings, r)
		}
	}
	if len(warnings) == 0 {
		return
	}
	for range 5 {
		r := warnings.pick(s.rnd)
		inst := r.Instances[s.rnd.IntN(len(r.Instances))]
		if s.drawable(r, inst) && (s.storm == "" || groupKey(r, fmtAlertmanager) != s.storm) {
			s.flapOn(r, inst)
			return
		}
	}
}

func (s *stream) flapOn(r Rule, inst string) {
	a := r.Firing(inst, r.value(s.rnd), time.Time{})
	f := &flapper{live: &live{Alert: a, rule: r, format: fmtAlertmanager, group: groupKey(r, fmtAlertmanager)}, changes: 8 + 2*s.rnd.IntN(3), next: s.tick}
	if i := slices.IndexFunc(s.firing, func(l *live) bool { return l.DedupKey == a.DedupKey }); i >= 0 {
		f.live, f.firing = s.firing[i], true
		s.remove(f.live)
	}
	s.flap = f
}

// toggle sends the flapping alert's next change of state.
func (s *stream) toggle(now time.Time) drop {
	f := s.flap
	f.firing = !f.firing
	f.changes--
	f.next = s.tick + 1 + s.rnd.IntN(2)
	f.measure(f.rule.value(s.rnd))
	f.LastSeen = now
	if f.firing {
		f.State, f.StartsAt, f.EndsAt = model.AlertFiring, now, time.Time{}
	} else {
		f.State, f.EndsAt = model.AlertResolved, now
	}
	what := fmt.Sprintf("flap %s on %s: %s", f.Name, f.Labels["instance"], f.State)
	if f.changes <= 0 {
		s.flap, s.flapped = nil, s.tick
		if f.firing { // it settles firing, and resolves later like any other
			f.left = minLife + s.rnd.IntN(lifeSpread)
			s.firing = append(s.firing, f.live)
		} else {
			s.resting[f.DedupKey] = s.tick + restTicks
		}
	}
	return s.send(fmtAlertmanager, []*live{f.live}, now, what)
}

// startStorm crash-loops a whole Kubernetes deployment — scaled out for the
// peak, then rolled out with a bad config — in one Alertmanager
// notification of 28 to 39 alerts, max_alerts of them sent and the rest
// counted in truncatedAlerts. Pods that fired lately are left out, so they
// do not flap. It reports false when no deployment has 25 pods to crash.
func (s *stream) startStorm(now time.Time) (drop, bool) {
	n := 28 + s.rnd.IntN(12)
	type deploy struct {
		rule Rule
		pods []string
	}
	var deploys, crashes []deploy
	for _, r := range s.formats[fmtAlertmanager] {
		if !slices.Equal(r.Instances, pods(r.Service, len(r.Instances))) {
			continue
		}
		d := deploy{rule: r, pods: slices.DeleteFunc(pods(r.Service, n), func(p string) bool { return !s.drawable(r, p) })}
		if len(d.pods) < 25 {
			continue
		}
		if deploys = append(deploys, d); r.Name == "PodCrashLooping" {
			crashes = append(crashes, d)
		}
	}
	if len(crashes) > 0 {
		deploys = crashes
	}
	if len(deploys) == 0 {
		return drop{}, false
	}
	d := deploys[s.rnd.IntN(len(deploys))]
	life := 12 + s.rnd.IntN(10)
	sent := d.pods[:min(len(d.pods), maxAlerts)]
	storm := make([]*live, len(sent))
	for i, inst := range sent {
		storm[i] = s.raise(d.rule, inst, fmtAlertmanager, now.Add(time.Duration(i-len(sent))*300*time.Millisecond))
		storm[i].left = life
	}
	s.storm = storm[0].group
	what := fmt.Sprintf("storm of %d %s on %s", len(d.pods), d.rule.Name, d.rule.Service)
	return drop{sender: fmtAlertmanager, ext: ".json", what: what, data: amNotification(fmtAlertmanager, s.storm, storm, len(d.pods)-len(sent))}, true
}

// broken writes a file hypercare must reject, in turn: an Alertmanager
// notification cut short, a chat message posted to the wrong webhook, and
// a probe script's NDJSON with a local time or a status of its own.
func (s *stream) broken(now time.Time) drop {
	kind := s.brokenNo % 4
	s.brokenNo++
	d := drop{ext: ".json", broken: true}
	switch kind {
	case 0:
		r := s.formats[fmtAlertmanager].pick(s.rnd)
		a := &live{Alert: r.Firing(r.Instances[s.rnd.IntN(len(r.Instances))], r.value(s.rnd), now), rule: r, group: groupKey(r, fmtAlertmanager)}
		full := amNotification(fmtAlertmanager, a.group, []*live{a}, 0)
		cut := len(full) * (40 + s.rnd.IntN(30)) / 100
		d.sender, d.data, d.what = fmtAlertmanager, full[:cut], "truncated Alertmanager notification"
	case 1:
		d.sender, d.data, d.what = "chatops", chatMessage(s.rnd), "chat message, not an alert"
	case 2:
		d.sender, d.ext, d.data, d.what = "cron", ".ndjson", probeLocalTime(now), "probe with a local time"
	default:
		// One good line, one bad: the good one is applied, the bad one is
		// refused and shows in the feed as AlertRefused.
		d.sender, d.ext, d.data, d.what = "cron", ".ndjson", probeBadStatus(now), `probe with status "ok"`
		d.broken, d.refused = false, 1
	}
	return d
}
