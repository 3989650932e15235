package drops

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/hypercare-ops/hypercare/model"
)

// amPayload is the Alertmanager webhook (version "4") and Grafana's unified
// alerting webhook, which copies it and adds a few fields. Everything not
// listed here (receiver, groupLabels, commonLabels, externalURL,
// notification_reason, routeLabels, orgId, title, state, message, future
// fields) is tolerated and ignored.
type amPayload struct {
	GroupKey        string    `json:"groupKey"`
	TruncatedAlerts int       `json:"truncatedAlerts"`
	Alerts          []amAlert `json:"alerts"`
}

// amHead is the notification without its alerts, for reading them apart
// when one of them cannot be decoded.
type amHead struct {
	GroupKey        string      `json:"groupKey"`
	TruncatedAlerts int         `json:"truncatedAlerts"`
	Alerts          jsonArrayOK `json:"alerts"`
}

// jsonArrayOK checks that a value is an array without decoding it: the
// alerts are decoded one by one afterwards, so that one broken alert is
// refused on its own instead of failing the whole notification.
type jsonArrayOK struct{}

func (jsonArrayOK) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || b[0] != '[' {
		return &json.UnmarshalTypeError{Value: jsonValueKind(b), Type: reflect.TypeFor[[]amAlert](), Offset: 1}
	}
	return nil
}

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

// parseAlertmanager reads a notification. An alert that is broken or over a
// limit is refused with its reason while the others are applied, so one
// poison alert cannot block its group (Alertmanager treats a 4xx as final
// and would send the same failing group again and again, resolves
// included). The whole payload is decoded at once, the fast path; only when
// a value has the wrong type are the alerts decoded one by one, to refuse
// that one alone.
func (d *doc) parseAlertmanager(format string) (Batch, error) {
	var p amPayload
	var spans [][2]int    // where each alert is in d.data, found when needed
	var decodeErr []error // per alert, on the slow path
	if err := json.Unmarshal(d.data, &p); err != nil {
		var head amHead
		if err := json.Unmarshal(d.data, &head); err != nil {
			return Batch{}, d.errJSON(err)
		}
		p = amPayload{GroupKey: head.GroupKey, TruncatedAlerts: head.TruncatedAlerts}
		spans = elements(d.data, "alerts")
		p.Alerts, decodeErr = make([]amAlert, len(spans)), make([]error, len(spans))
		for i, span := range spans {
			one := d.sub(span[0], span[1])
			if err := json.Unmarshal(one.data, &p.Alerts[i]); err != nil {
				decodeErr[i] = prefixField(one.errJSON(err), fmt.Sprintf("alerts[%d]", i))
			}
		}
	}
	if p.TruncatedAlerts < 0 {
		return Batch{}, d.errField("truncatedAlerts", fmt.Sprintf("is %d: a count of left-out alerts cannot be negative", p.TruncatedAlerts))
	}
	span := func(i int) [2]int {
		if spans == nil {
			spans = elements(d.data, "alerts")
		}
		return spans[i]
	}
	dups := d.duplicateKeys()
	if len(dups) > 0 {
		span(0)
		if err := dups.outside(spans); err != nil {
			return Batch{}, err
		}
	}
	b := Batch{Format: format, Truncated: p.TruncatedAlerts, Group: clean(p.GroupKey, false), Events: make([]Event, 0, len(p.Alerts))}
	for i := range p.Alerts {
		var err error
		switch {
		case decodeErr != nil && decodeErr[i] != nil:
			err = decodeErr[i]
		case len(dups) > 0:
			err = dups.within(span(i))
		}
		var alert model.Alert
		if err == nil {
			alert, err = d.amAlert(fmt.Sprintf("alerts[%d]", i), &p.Alerts[i], format)
		}
		if err != nil {
			at := span(i)
			b.Refused = append(b.Refused, refusal(err, d.data[at[0]:at[1]]))
			continue
		}
		b.Events = append(b.Events, Event{Alert: alert})
	}
	return b, nil
}

// refusal describes a refused alert from what can still be read of it: its
// key, name and service, so the refusal can stand in the feed where the
// alert would have.
func refusal(err error, raw []byte) Refusal {
	var pe *ParseError
	if !errors.As(err, &pe) {
		pe = &ParseError{Offset: -1, Reason: err.Error()}
	}
	var id struct {
		Labels      map[string]any `json:"labels"`
		Fingerprint any            `json:"fingerprint"`
		Key         any            `json:"key"`
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
	const short = 256
	return Refusal{Err: pe, Key: cut(clean(key, false), short),
		Name: cut(clean(labels["alertname"], false), short), Service: cut(clean(labels["service"], false), short)}
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
