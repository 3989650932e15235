package drops

import (
	"encoding/json"
	"fmt"

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

func (d *doc) parseAlertmanager(format string) (Batch, error) {
	var p amPayload
	if err := json.Unmarshal(d.data, &p); err != nil {
		return Batch{}, d.errJSON(err)
	}
	if err := d.checkAlerts("alerts", len(p.Alerts)); err != nil {
		return Batch{}, err
	}
	if p.TruncatedAlerts < 0 {
		return Batch{}, d.errField("truncatedAlerts", fmt.Sprintf("is %d: a count of left-out alerts cannot be negative", p.TruncatedAlerts))
	}
	b := Batch{Format: format, Truncated: p.TruncatedAlerts, Group: clean(p.GroupKey, false), Events: make([]Event, len(p.Alerts))}
	for i := range p.Alerts {
		alert, err := d.amAlert(fmt.Sprintf("alerts[%d]", i), &p.Alerts[i], format)
		if err != nil {
			return Batch{}, err
		}
		b.Events[i].Alert = alert
	}
	return b, nil
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
		Summary:     clean(firstOf(ann["summary"], ann["description"]), false),
		Labels:      labels,
		Annotations: ann,
		StartsAt:    starts,
		EndsAt:      ends,
	}, nil
}
