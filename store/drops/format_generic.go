package drops

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hypercare-ops/hypercare/model"
)

// GenericEvent is one object of hypercare's own NDJSON form (FORMATS.md);
// senders written in Go (the demo) build drops with it.
type GenericEvent struct {
	Source      string            `json:"source"`
	Key         string            `json:"key"`
	Status      string            `json:"status"`
	Severity    string            `json:"severity"`
	Service     string            `json:"service"`
	Name        string            `json:"name"`
	Summary     string            `json:"summary"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations,omitempty"`
	At          string            `json:"at"`
}

// parseNDJSON reads one generic object per line; blank lines are skipped.
// Lines are split by hand rather than decoded as a stream so that every
// error names its line and one broken line cannot swallow the next.
func (d *doc) parseNDJSON() (Batch, error) {
	b := Batch{Format: FormatGeneric}
	for start := 0; start < len(d.data); {
		end := len(d.data)
		if nl := bytes.IndexByte(d.data[start:], '\n'); nl >= 0 {
			end = start + nl
		}
		line := d.sub(start, end)
		start = end + 1
		first := skipSpace(line.data, 0)
		if first == len(line.data) {
			continue
		}
		if len(b.Events) == d.lim.MaxAlerts {
			return Batch{}, line.errAt(first, "", fmt.Sprintf("more than %d objects, the limit per file (MaxAlerts): split the file", d.lim.MaxAlerts))
		}
		if line.data[first] != '{' {
			return Batch{}, line.errAt(first, "", "found "+quoteRune(line.data[first:])+": each line of a generic NDJSON drop holds one JSON object")
		}
		ev, err := line.genericEvent()
		if err != nil {
			return Batch{}, err
		}
		b.Events = append(b.Events, ev)
	}
	return b, nil
}

func (d *doc) genericEvent() (Event, error) {
	var g GenericEvent
	if err := json.Unmarshal(d.data, &g); err != nil {
		return Event{}, d.errJSON(err)
	}
	state, err := d.state("status", g.Status)
	if err != nil {
		return Event{}, err
	}
	if g.Key == "" && len(g.Labels) == 0 {
		return Event{}, d.errField("", "key is missing: give a key, or labels to derive one from")
	}
	if err := d.checkLabels("labels", g.Labels); err != nil {
		return Event{}, err
	}
	if err := d.checkNames("annotations", "annotations", g.Annotations); err != nil {
		return Event{}, err
	}
	at, err := d.parseTime("at", g.At)
	if err != nil {
		return Event{}, err
	}
	key := firstOf(g.Key, Fingerprint(g.Labels))
	if key, err = d.dedupKey("key", key); err != nil {
		return Event{}, err
	}
	labels, err := d.cleanMap("labels", g.Labels, false)
	if err != nil {
		return Event{}, err
	}
	ann, err := d.cleanMap("annotations", g.Annotations, true)
	if err != nil {
		return Event{}, err
	}
	source := clean(g.Source, false)
	if strings.TrimSpace(source) == "" {
		source = FormatGeneric
	}
	alert := model.Alert{
		DedupKey:    key,
		Source:      source,
		Name:        clean(firstOf(g.Name, labels["alertname"], key), false),
		Severity:    model.ParseSeverity(firstOf(g.Severity, labels["severity"])),
		State:       state,
		Service:     clean(firstOf(g.Service, labels["service"]), false),
		Summary:     clean(firstOf(g.Summary, ann["summary"], ann["description"]), false),
		Labels:      labels,
		Annotations: ann,
	}
	// "at" is when the sender saw the state: the start of a firing alert,
	// the end of a resolved one.
	if state == model.AlertFiring {
		alert.StartsAt = at
	} else {
		alert.EndsAt = at
	}
	return Event{Alert: alert}, nil
}
