package drops

import (
	"bytes"
	"encoding/json"
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
// error names its line and one broken line cannot swallow the next: a
// broken line is refused with its reason, and the others are applied.
func (d *doc) parseNDJSON(p *parts) error {
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
		var ev Event
		var err error
		if line.data[first] != '{' {
			err = line.errAt(first, "", "found "+quoteRune(line.data[first:])+": each line of a generic NDJSON drop holds one JSON object")
		} else {
			ev, err = line.genericEvent()
		}
		if err != nil {
			err = p.refuse(refusal(err, line.data))
		} else {
			err = p.add(ev)
		}
		if err != nil {
			return err
		}
	}
	return p.done()
}

func (d *doc) genericEvent() (Event, error) {
	var g GenericEvent
	if err := json.Unmarshal(d.data, &g); err != nil {
		return Event{}, d.errJSON(err)
	}
	if dups := d.duplicateKeys(); len(dups) > 0 {
		return Event{}, dups[0].err
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
		Name:        cut(clean(firstOf(g.Name, labels["alertname"], key), false), d.lim.MaxSummary),
		Severity:    model.ParseSeverity(firstOf(g.Severity, labels["severity"])),
		State:       state,
		Service:     cut(clean(firstOf(g.Service, labels["service"]), false), d.lim.MaxLabelLen),
		Summary:     cut(clean(firstOf(g.Summary, ann["summary"], ann["description"]), false), d.lim.MaxSummary),
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
