package drops

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hypercare-ops/hypercare/model"
)

// pdEvent is a PagerDuty Events API v2 event. routing_key, client images and
// any other field are tolerated and ignored.
type pdEvent struct {
	EventAction string     `json:"event_action"`
	DedupKey    string     `json:"dedup_key"`
	Payload     *pdPayload `json:"payload"`
	Client      string     `json:"client"`
	ClientURL   string     `json:"client_url"`
	Links       []struct {
		Href string `json:"href"`
		Text string `json:"text"`
	} `json:"links"`
}

type pdPayload struct {
	Summary       string          `json:"summary"`
	Source        string          `json:"source"`
	Severity      string          `json:"severity"`
	Timestamp     string          `json:"timestamp"`
	Component     string          `json:"component"`
	Group         string          `json:"group"`
	Class         string          `json:"class"`
	CustomDetails json.RawMessage `json:"custom_details"`
}

func (d *doc) parsePagerDuty() (Batch, error) {
	var e pdEvent
	if err := json.Unmarshal(d.data, &e); err != nil {
		return Batch{}, d.errJSON(err)
	}
	var ev Event
	switch action := strings.ToLower(e.EventAction); action {
	case "trigger":
		alert, err := d.pdTrigger(&e)
		if err != nil {
			return Batch{}, err
		}
		ev.Alert = alert
	case "acknowledge", "resolve":
		// PagerDuty sends no payload with these: the dedup key is all there is.
		if e.DedupKey == "" {
			return Batch{}, d.errField("dedup_key", fmt.Sprintf("is required to %s an alert: use the dedup_key of its trigger", action))
		}
		key, err := d.dedupKey("dedup_key", e.DedupKey)
		if err != nil {
			return Batch{}, err
		}
		ev.Alert = model.Alert{DedupKey: key, Source: FormatPagerDuty}
		if action == "resolve" {
			ev.Alert.State = model.AlertResolved
		} else {
			ev.Ack = true
		}
	default:
		return Batch{}, d.errField("event_action", fmt.Sprintf(`%s must be "trigger", "acknowledge" or "resolve"`, quote(e.EventAction)))
	}
	return Batch{Format: FormatPagerDuty, Events: []Event{ev}}, nil
}

func (d *doc) pdTrigger(e *pdEvent) (model.Alert, error) {
	p := e.Payload
	if p == nil {
		return model.Alert{}, d.errField("", "payload is required for a trigger event")
	}
	if strings.TrimSpace(p.Summary) == "" {
		return model.Alert{}, d.errField("payload.summary", "is required for a trigger event: it is the alert's title")
	}
	// custom_details become labels, so routes can match them; the payload's
	// own fields are added after them and win a clash.
	labels := map[string]string{}
	ann := map[string]string{}
	if !isNull(p.CustomDetails) {
		if details, ok := flatten(p.CustomDetails); ok {
			labels = details
		} else {
			ann["details"] = jsonText(p.CustomDetails)
		}
	}
	for name, v := range map[string]string{"source": p.Source, "severity": p.Severity, "component": p.Component, "group": p.Group, "class": p.Class} {
		if v != "" {
			labels[name] = v
		}
	}
	if err := d.checkLabels("payload", labels); err != nil {
		return model.Alert{}, err
	}
	starts, err := d.parseTime("payload.timestamp", p.Timestamp)
	if err != nil {
		return model.Alert{}, err
	}
	key := e.DedupKey
	if key == "" {
		key = derivedKey(labels, p.Summary)
	}
	if key, err = d.dedupKey("dedup_key", key); err != nil {
		return model.Alert{}, err
	}
	if labels, err = d.cleanMap("payload", labels, false); err != nil {
		return model.Alert{}, err
	}
	var links []string
	for _, l := range e.Links {
		if l.Text != "" && l.Href != "" {
			links = append(links, l.Text+": "+l.Href)
		} else if s := firstOf(l.Href, l.Text); s != "" {
			links = append(links, s)
		}
	}
	ann = setIfAbsent(ann, "links", strings.Join(links, "\n"))
	ann = setIfAbsent(ann, "client", e.Client)
	ann = setIfAbsent(ann, "client_url", e.ClientURL)
	if ann, err = d.cleanMap("", ann, true); err != nil {
		return model.Alert{}, err
	}
	summary := cut(clean(p.Summary, false), d.lim.MaxSummary)
	return model.Alert{
		DedupKey:    key,
		Source:      FormatPagerDuty,
		Name:        firstOf(labels["class"], summary),
		Severity:    model.ParseSeverity(labels["severity"]),
		State:       model.AlertFiring,
		Service:     firstOf(labels["service"], labels["component"]),
		Summary:     summary,
		Labels:      labels,
		Annotations: ann,
		StartsAt:    starts,
	}, nil
}
