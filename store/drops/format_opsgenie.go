package drops

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hypercare-ops/hypercare/model"
)

// ogAlert holds the fields of an Opsgenie alert, as sent in the body of the
// Create Alert API and inside the "alert" object of Opsgenie's outgoing
// webhook. responders, visibleTo, actions, note and the like are ignored.
type ogAlert struct {
	Message     string          `json:"message"`
	Alias       string          `json:"alias"`
	Description string          `json:"description"`
	Tags        []string        `json:"tags"`
	Details     json.RawMessage `json:"details"`
	Entity      string          `json:"entity"`
	Source      string          `json:"source"`
	Priority    string          `json:"priority"`
	User        string          `json:"user"`     // API bodies: who closed or acknowledged
	Username    string          `json:"username"` // webhook: who closed or acknowledged
}

// ogRequest is the Create Alert API body, with an optional "action" so that a
// drop can also close or acknowledge: the real API puts those in the URL.
type ogRequest struct {
	Action string `json:"action"`
	ogAlert
}

// ogWebhook is Opsgenie's outgoing webhook: {"action":"Close","alert":{...}}.
type ogWebhook struct {
	Action string  `json:"action"`
	Alert  ogAlert `json:"alert"`
}

func (d *doc) parseOpsgenie(webhook bool) (Batch, error) {
	var (
		action string
		a      ogAlert
		at     string // path of the alert's fields
	)
	if webhook {
		var w ogWebhook
		if err := json.Unmarshal(d.data, &w); err != nil {
			return Batch{}, d.errJSON(err)
		}
		action, a, at = w.Action, w.Alert, "alert"
	} else {
		var r ogRequest
		if err := json.Unmarshal(d.data, &r); err != nil {
			return Batch{}, d.errJSON(err)
		}
		action, a = firstOf(r.Action, "create"), r.ogAlert
	}

	var ev Event
	switch action = strings.ToLower(action); action {
	case "create":
		alert, err := d.ogCreate(at, &a)
		if err != nil {
			return Batch{}, err
		}
		ev.Alert = alert
	case "close", "acknowledge":
		if a.Alias == "" {
			return Batch{}, d.errField(pathKey(at, "alias"), fmt.Sprintf("is required to %s an alert: use the alias it was created with", action))
		}
		key, err := d.dedupKey(pathKey(at, "alias"), a.Alias)
		if err != nil {
			return Batch{}, err
		}
		ev.Alert = model.Alert{DedupKey: key, Source: FormatOpsgenie}
		if action == "close" {
			ev.Alert.State = model.AlertResolved
		} else {
			ev.Ack, ev.Alert.AckBy = true, clean(firstOf(a.User, a.Username), false)
		}
	default:
		return Batch{}, d.errField("action", fmt.Sprintf("%s is not handled: hypercare reads create, close and acknowledge (send only those from the Opsgenie integration)", quote(action)))
	}
	return Batch{Format: FormatOpsgenie, Events: []Event{ev}}, nil
}

func (d *doc) ogCreate(at string, a *ogAlert) (model.Alert, error) {
	if strings.TrimSpace(a.Message) == "" {
		return model.Alert{}, d.errField(pathKey(at, "message"), "is required to create an alert: it is the alert's title")
	}
	priority := firstOf(a.Priority, "P3") // Opsgenie's own default
	sev, ok := prioritySeverity[strings.ToUpper(priority)]
	if !ok {
		return model.Alert{}, d.errField(pathKey(at, "priority"), quote(priority)+" is not a priority: use P1 to P5")
	}
	// details become labels, so routes can match them; the alert's own
	// fields are added after them and win a clash.
	labels := map[string]string{}
	if !isNull(a.Details) {
		details, ok := flatten(a.Details)
		if !ok {
			return model.Alert{}, d.errField(pathKey(at, "details"), "must be an object of name/value pairs")
		}
		labels = details
	}
	for name, v := range map[string]string{"entity": a.Entity, "source": a.Source, "priority": priority, "tags": strings.Join(a.Tags, ",")} {
		if v != "" {
			labels[name] = v
		}
	}
	if err := d.checkLabels(at, labels); err != nil {
		return model.Alert{}, err
	}
	key := a.Alias
	if key == "" {
		key = derivedKey(labels, a.Message)
	}
	key, err := d.dedupKey(pathKey(at, "alias"), key)
	if err != nil {
		return model.Alert{}, err
	}
	if labels, err = d.cleanMap(at, labels, false); err != nil {
		return model.Alert{}, err
	}
	var ann map[string]string
	if a.Description != "" {
		ann = map[string]string{"description": cut(clean(a.Description, true), d.lim.MaxTextLen)}
	}
	message := cut(clean(a.Message, false), d.lim.MaxSummary)
	return model.Alert{
		DedupKey:    key,
		Source:      FormatOpsgenie,
		Name:        message,
		Severity:    sev,
		State:       model.AlertFiring,
		Service:     labels["service"],
		Summary:     message,
		Labels:      labels,
		Annotations: ann,
	}, nil
}

// prioritySeverity maps Opsgenie priorities: P1 and P2 page someone, P3 is
// Opsgenie's default, P4 and P5 are informational.
var prioritySeverity = map[string]model.Severity{
	"P1": model.SevCritical, "P2": model.SevCritical,
	"P3": model.SevWarning,
	"P4": model.SevInfo, "P5": model.SevInfo,
}
