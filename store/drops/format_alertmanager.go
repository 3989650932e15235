package drops

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/hypercare-ops/hypercare/model"
)

// amPayload is the Alertmanager webhook (version "4") and Grafana's unified
// alerting webhook, which copies it and adds a few fields. Everything not
// listed here (receiver, groupLabels, commonLabels, externalURL,
// notification_reason, routeLabels, orgId, title, state, message, future
// fields) is tolerated and ignored.
// jsonValueKind names the kind of a raw JSON value as encoding/json does.
func jsonValueKind(b []byte) string {
	if len(b) == 0 {
		return "value"
	}
	switch b[0] {
	case '{':
		return "object"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

type amAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     string            `json:"startsAt"`
	EndsAt       string            `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`

	// Grafana only; kept as annotations so the links reach the operator.
	SilenceURL   string                     `json:"silenceURL"`
	DashboardURL string                     `json:"dashboardURL"`
	PanelURL     string                     `json:"panelURL"`
	ImageURL     string                     `json:"imageURL"`
	Values       map[string]json.RawMessage `json:"values"`
}

// parseAlertmanager reads a notification. Its alerts are decoded one by
// one and handed on in parts (parts), so a group of any size is applied in
// bounded memory. An alert that is broken or over a limit is refused with
// its reason while the others are applied, so one poison alert cannot block
// its group (Alertmanager treats a 4xx as final and would send the same
// failing group again and again, resolves included).
func (d *doc) parseAlertmanager(format string, keys map[string][]byte, emit func(Batch) error) error {
	if !json.Valid(d.data) {
		return d.errSyntax(d.data)
	}
	var groupKey string
	var truncated int
	if err := d.topValue(keys, "groupKey", &groupKey); err != nil {
		return err
	}
	if err := d.topValue(keys, "truncatedAlerts", &truncated); err != nil {
		return err
	}
	if truncated < 0 {
		return d.errField("truncatedAlerts", fmt.Sprintf("is %d: a count of left-out alerts cannot be negative", truncated))
	}
	raw := keys["alerts"]
	if raw[0] != '[' {
		return d.errField("alerts", fmt.Sprintf("is %s, expected an array of alerts", article(jsonValueKind(raw))))
	}
	at := offsetIn(d.data, raw)
	dups := d.duplicateKeys()
	if len(dups) > 0 {
		// Rare: only then are all the alerts' places needed at once.
		if err := dups.outside(arrayElements(d.data, at)); err != nil {
			return err
		}
	}
	p := newParts(Batch{Format: format, Truncated: truncated, Group: clean(groupKey, false)}, d.lim.MaxBatch, emit)
	for i, span := range elementsOf(d.data, at) {
		at := fmt.Sprintf("alerts[%d]", i)
		one := d.sub(span[0], span[1])
		var a amAlert
		var err error
		if !decodeAMAlert(one.data, &a) {
			a = amAlert{}
			err = json.Unmarshal(one.data, &a)
		}
		var alert model.Alert
		switch {
		case err != nil:
			err = prefixField(one.errJSON(err), at)
		case len(dups) > 0 && dups.within(span) != nil:
			err = dups.within(span)
		default:
			alert, err = d.amAlert(at, &a, format)
		}
		if err != nil {
			err = p.refuse(refusal(err, one.data))
		} else {
			err = p.add(Event{Alert: alert})
		}
		if err != nil {
			return err
		}
	}
	return p.done()
}

// topValue decodes the top-level value called name, if the payload has it.
func (d *doc) topValue(keys map[string][]byte, name string, v any) error {
	raw, ok := keys[strings.ToLower(name)]
	if !ok {
		return nil
	}
	off := offsetIn(d.data, raw)
	if err := json.Unmarshal(raw, v); err != nil {
		return prefixField(d.sub(off, off+len(raw)).errJSON(err), name)
	}
	return nil
}

// offsetIn is where part, a slice of data, starts in data.
func offsetIn(data, part []byte) int {
	return cap(data) - cap(part)
}

// refusal describes a refused alert from what can still be read of it: its
// key, name and service, so the refusal can stand in the feed where the
// alert would have.
func refusal(err error, raw []byte) Refusal {
	var pe *ParseError
	if !errors.As(err, &pe) {
		pe = &ParseError{Offset: -1, Reason: err.Error()}
	}
	var id struct { // Alertmanager's fields, and the generic form's
		Labels      map[string]any `json:"labels"`
		Fingerprint any            `json:"fingerprint"`
		Key         any            `json:"key"`
		Name        any            `json:"name"`
		Service     any            `json:"service"`
	}
	_ = json.Unmarshal(raw, &id) // best effort: the alert is broken already
	labels := map[string]string{}
	for k, v := range id.Labels {
		if s, ok := v.(string); ok {
			labels[k] = s
		}
	}
	key, _ := id.Fingerprint.(string)
	if s, ok := id.Key.(string); ok && key == "" {
		key = s
	}
	if key == "" && len(labels) > 0 && len(id.Labels) == len(labels) {
		key = Fingerprint(labels)
	}
	name, _ := id.Name.(string)
	service, _ := id.Service.(string)
	const short = 256
	return Refusal{Err: pe, Key: cut(clean(key, false), short),
		Name: cut(clean(cmp.Or(name, labels["alertname"]), false), short), Service: cut(clean(cmp.Or(service, labels["service"]), false), short)}
}

func (d *doc) amAlert(at string, a *amAlert, source string) (model.Alert, error) {
	if len(a.Labels) == 0 {
		return model.Alert{}, d.errField(at+".labels", "is empty: an alert without labels has no identity")
	}
	if err := d.checkLabels(at+".labels", a.Labels); err != nil {
		return model.Alert{}, err
	}
	if err := d.checkNames(at+".annotations", "annotations", a.Annotations); err != nil {
		return model.Alert{}, err
	}
	state, err := d.state(at+".status", a.Status)
	if err != nil {
		return model.Alert{}, err
	}
	starts, err := d.parseTime(at+".startsAt", a.StartsAt)
	if err != nil {
		return model.Alert{}, err
	}
	ends, err := d.parseTime(at+".endsAt", a.EndsAt)
	if err != nil {
		return model.Alert{}, err
	}
	key := a.Fingerprint
	if key == "" {
		key = Fingerprint(a.Labels) // before cleaning: the value Alertmanager itself would send
	}
	if key, err = d.dedupKey(at+".fingerprint", key); err != nil {
		return model.Alert{}, err
	}
	labels, err := d.cleanMap(at+".labels", a.Labels, false)
	if err != nil {
		return model.Alert{}, err
	}
	ann := a.Annotations
	ann = setIfAbsent(ann, "generator_url", a.GeneratorURL)
	ann = setIfAbsent(ann, "silence_url", a.SilenceURL)
	ann = setIfAbsent(ann, "dashboard_url", a.DashboardURL)
	ann = setIfAbsent(ann, "panel_url", a.PanelURL)
	ann = setIfAbsent(ann, "image_url", a.ImageURL)
	if len(a.Values) > 0 {
		values := make(map[string]string, len(a.Values))
		for k, v := range a.Values {
			values[k] = jsonText(v)
		}
		ann = setIfAbsent(ann, "values", sortedPairs(values))
	}
	if ann, err = d.cleanMap(at+".annotations", ann, true); err != nil {
		return model.Alert{}, err
	}
	return model.Alert{
		DedupKey:    key,
		Source:      source,
		Name:        labels["alertname"],
		Severity:    model.ParseSeverity(labels["severity"]),
		State:       state,
		Service:     labels["service"],
		Summary:     cut(clean(firstOf(ann["summary"], ann["description"]), false), d.lim.MaxSummary),
		Labels:      labels,
		Annotations: ann,
		StartsAt:    starts,
		EndsAt:      ends,
	}, nil
}
