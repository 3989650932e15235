package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/model/plan"
)

// The live demo's own events, in ticks.
const (
	liveStormEvery  = 45 // a storm of liveStormSize alerts from one group
	liveStormSize   = 25
	liveBrokenEvery = 40 // a broken file, for rejected/
	firstBroken     = 3  // …and one early, so a newcomer sees it
	flapTicks       = 8  // one alert toggles every tick for this long
	flapEvery       = 30
)

// formats the writer rotates through, so every parser is exercised.
var formats = []string{"alertmanager", "grafana", "pagerduty", "opsgenie", "generic"}

// WriteDrops is the live demo's monitoring: until ctx ends, every tick it
// writes one drop file into dir the way producers must (a dotfile, then a
// rename), rotating through every supported format, with resolves, an
// alert that flaps now and then, a storm of one group, and occasionally a
// broken file that the watcher must put in rejected/. The console's watcher
// applies them like any other drop. Deterministic given rnd.
func WriteDrops(ctx context.Context, dir string, p *plan.Plan, every time.Duration, rnd *rand.Rand) error {
	if every <= 0 {
		return fmt.Errorf("demo drops: interval %v: must be positive", every)
	}
	w := &dropWriter{dir: dir}
	f, err := newFeed(w.collect, p, rnd)
	if err != nil {
		return err
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		if err := w.round(ctx, f, n, time.Now().UTC()); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
}

// dropWriter turns the feed's alerts into drop files.
type dropWriter struct {
	dir     string
	seq     int
	pending []model.Alert
	flap    *model.Alert // the alert flapping now, nil when none
	flapN   int
}

func (w *dropWriter) collect(_ context.Context, a model.Alert) error {
	w.pending = append(w.pending, a)
	return nil
}

// round is one tick: the feed's usual traffic plus the demo's set pieces.
func (w *dropWriter) round(ctx context.Context, f *feed, n int, at time.Time) error {
	w.pending = w.pending[:0]
	if n == firstBroken || n%liveBrokenEvery == 0 {
		if err := w.write("broken", brokenPayload(n)); err != nil {
			return err
		}
	}
	if n%liveStormEvery == 0 {
		return w.storm(f, at)
	}
	if err := f.tick(ctx, at); err != nil {
		return err
	}
	w.flapStep(f, n, at)
	format := formats[n%len(formats)]
	for len(w.pending) > 0 {
		// PagerDuty and Opsgenie carry one alert per event.
		batch := w.pending
		if format == "pagerduty" || format == "opsgenie" {
			batch = w.pending[:1]
		}
		data, err := encode(format, batch, "")
		if err != nil {
			return err
		}
		if err := w.write(format, data); err != nil {
			return err
		}
		w.pending = w.pending[len(batch):]
	}
	return nil
}

// flapStep makes one alert fire and resolve on alternate ticks for a while,
// which the console marks FLAP.
func (w *dropWriter) flapStep(f *feed, n int, at time.Time) {
	if w.flap == nil && n%flapEvery == 1 {
		a := f.cat.Draw(f.rnd, at)
		w.flap, w.flapN = &a, 0
	}
	if w.flap == nil {
		return
	}
	a := *w.flap
	a.LastSeen = at
	if w.flapN%2 == 1 {
		a = Resolved(a, at)
	}
	w.pending = append(w.pending, a)
	if w.flapN++; w.flapN >= flapTicks {
		w.flap = nil
	}
}

// storm writes one Alertmanager payload with many alerts of one group: a
// rule firing on every pod of a deployment at once.
func (w *dropWriter) storm(f *feed, at time.Time) error {
	r := f.cat.pick(f.rnd)
	alerts := make([]model.Alert, liveStormSize)
	for i := range alerts {
		alerts[i] = r.Firing(fmt.Sprintf("%s-%05x", r.Service, f.rnd.IntN(1<<20)), r.value(f.rnd), at)
	}
	data, err := encode("alertmanager", alerts, fmt.Sprintf(`{}:{alertname=%q, service=%q}`, r.Name, r.Service))
	if err != nil {
		return err
	}
	return w.write("alertmanager-storm", data)
}

// write puts a drop in place by the producer protocol: write a dotfile, then
// rename it to its final, sortable name.
func (w *dropWriter) write(kind string, data []byte) error {
	w.seq++
	ext := ".json"
	if kind == "generic" {
		ext = ".ndjson"
	}
	name := fmt.Sprintf("%s-%04d-%s%s", time.Now().UTC().Format("20060102T150405.000"), w.seq, kind, ext)
	tmp := filepath.Join(w.dir, "."+name+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("demo drop: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(w.dir, name)); err != nil {
		return fmt.Errorf("demo drop: %w", err)
	}
	return nil
}

// brokenPayload is a drop no parser accepts: cut off mid-way, or of no known
// format, in turn.
func brokenPayload(n int) []byte {
	if n%2 == 1 {
		return []byte(`{"receiver":"hypercare","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"Trunc`)
	}
	return []byte(`{"hello":"world","note":"not an alert payload"}`)
}

func rfc(t time.Time) string {
	if t.IsZero() {
		return "0001-01-01T00:00:00Z"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// encode writes alerts in one sender's format, shaped like the samples in
// shared/fixtures/drops.
func encode(format string, alerts []model.Alert, group string) ([]byte, error) {
	switch format {
	case "alertmanager", "grafana":
		type amAlert struct {
			Status       string            `json:"status"`
			Labels       map[string]string `json:"labels"`
			Annotations  map[string]string `json:"annotations"`
			StartsAt     string            `json:"startsAt"`
			EndsAt       string            `json:"endsAt"`
			GeneratorURL string            `json:"generatorURL"`
			Fingerprint  string            `json:"fingerprint"`
			DashboardURL string            `json:"dashboardURL,omitempty"`
		}
		out := make([]amAlert, len(alerts))
		status := "resolved"
		for i, a := range alerts {
			out[i] = amAlert{Status: string(a.State), Labels: a.Labels, Annotations: a.Annotations,
				StartsAt: rfc(a.StartsAt), EndsAt: rfc(a.EndsAt), Fingerprint: a.DedupKey,
				GeneratorURL: "https://prometheus.orion-retail.example/graph?g0.expr=" + a.Name}
			if a.State == model.AlertFiring {
				status = "firing"
				out[i].EndsAt = rfc(time.Time{})
			}
			if format == "grafana" {
				out[i].DashboardURL = "https://grafana.orion-retail.example/d/" + a.Service
			}
		}
		if group == "" {
			group = fmt.Sprintf(`{}:{service=%q}`, alerts[0].Service)
		}
		body := map[string]any{"receiver": "hypercare", "status": status, "alerts": out, "groupKey": group,
			"groupLabels": map[string]string{"service": alerts[0].Service}, "externalURL": "https://alertmanager.orion-retail.example"}
		if format == "grafana" {
			body["orgId"], body["version"] = 1, "1"
		} else {
			body["version"], body["truncatedAlerts"] = "4", 0
		}
		return json.Marshal(body)
	case "pagerduty":
		a := alerts[0]
		ev := map[string]any{"routing_key": "R0UT1NGKEYDEMO000000000000000000", "dedup_key": a.DedupKey}
		if a.State == model.AlertResolved {
			ev["event_action"] = "resolve"
		} else {
			ev["event_action"] = "trigger"
			ev["payload"] = map[string]any{"summary": a.Summary, "source": a.Labels["instance"], "severity": pdSeverity(a.Severity),
				"timestamp": rfc(a.StartsAt), "component": a.Service, "class": a.Name, "custom_details": a.Labels}
		}
		return json.Marshal(ev)
	case "opsgenie":
		a := alerts[0]
		if a.State == model.AlertResolved {
			return json.Marshal(map[string]any{"action": "close", "alias": a.DedupKey})
		}
		return json.Marshal(map[string]any{"message": a.Summary, "alias": a.DedupKey, "description": a.Name + " on " + a.Service,
			"details": a.Labels, "entity": a.Labels["instance"], "source": "demo", "priority": ogPriority(a.Severity),
			"tags": []string{a.Service, a.Name}})
	case "generic":
		var b strings.Builder
		for _, a := range alerts {
			line, err := json.Marshal(map[string]any{"source": a.Source, "key": a.DedupKey, "name": a.Name, "status": string(a.State),
				"severity": a.Severity.String(), "service": a.Service, "summary": a.Summary, "labels": a.Labels,
				"annotations": a.Annotations, "at": rfc(a.LastSeen)})
			if err != nil {
				return nil, err
			}
			b.Write(line)
			b.WriteByte('\n')
		}
		return []byte(b.String()), nil
	}
	return nil, fmt.Errorf("demo drops: unknown format %q", format)
}

func pdSeverity(s model.Severity) string {
	switch s {
	case model.SevCritical:
		return "critical"
	case model.SevInfo:
		return "info"
	}
	return "warning"
}

func ogPriority(s model.Severity) string {
	switch s {
	case model.SevCritical:
		return "P1"
	case model.SevInfo:
		return "P5"
	}
	return "P3"
}
