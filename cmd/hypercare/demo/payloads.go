package demo

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"github.com/hypercare-ops/hypercare/store/drops"
	"math"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// The payloads below are shaped as their senders shape them (see
// store/drops/FORMATS.md and ../shared/fixtures/drops), fields in their
// order, so a demo drop reads like a real one when someone opens it.

const (
	alertmanagerURL = "http://alertmanager.orion-retail.example:9093"
	prometheusURL   = "http://prometheus.orion-retail.example:9090"
	grafanaURL      = "https://grafana.orion-retail.example"
	pdRoutingKey    = "R0UT1NGKEY0R10NRETA1LPR0D0000000"
)

// zeroTime is what Alertmanager sends as endsAt of a firing alert.
const zeroTime = "0001-01-01T00:00:00Z"

func stamp(t time.Time) string {
	if t.IsZero() {
		return zeroTime
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// mustJSON is v as one line of JSON, with & < > as they are, as senders
// other than Go's encoding/json write them.
func mustJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("demo drop: %v", err)) // only strings, numbers, maps and structs of them
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// groupKey is the Alertmanager group key of a rule's alerts. The demo's
// Alertmanager groups by alertname and service, Grafana by alertname.
func groupKey(r Rule, format string) string {
	if format == fmtGrafana {
		return fmt.Sprintf(`{}:{alertname=%q}`, r.Name)
	}
	return fmt.Sprintf(`{}:{alertname=%q, service=%q}`, r.Name, r.Service)
}

type amAlertJSON struct {
	Status       string             `json:"status"`
	Labels       map[string]string  `json:"labels"`
	Annotations  map[string]string  `json:"annotations"`
	StartsAt     string             `json:"startsAt"`
	EndsAt       string             `json:"endsAt"`
	GeneratorURL string             `json:"generatorURL"`
	Fingerprint  string             `json:"fingerprint"`
	SilenceURL   string             `json:"silenceURL,omitempty"`
	DashboardURL string             `json:"dashboardURL,omitempty"`
	PanelURL     string             `json:"panelURL,omitempty"`
	Values       map[string]float64 `json:"values,omitempty"`
	ValueString  string             `json:"valueString,omitempty"`
}

type amPayloadJSON struct {
	Receiver          string            `json:"receiver"`
	Status            string            `json:"status"`
	OrgID             int               `json:"orgId,omitempty"`
	Alerts            []amAlertJSON     `json:"alerts"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	Title             string            `json:"title,omitempty"`
	State             string            `json:"state,omitempty"`
	Message           string            `json:"message,omitempty"`
}

// amNotification is an Alertmanager webhook (version "4") or Grafana
// webhook (version "1", orgId) notification for one group.
func amNotification(format, group string, alerts []*live, truncated int) []byte {
	p := amPayloadJSON{
		Receiver: "hypercare", Status: "resolved", ExternalURL: alertmanagerURL + "/",
		Version: "4", GroupKey: group, TruncatedAlerts: truncated,
		GroupLabels: map[string]string{"alertname": alerts[0].Name},
	}
	grafana := format == fmtGrafana
	if grafana {
		p.OrgID, p.Version, p.ExternalURL = 1, "1", grafanaURL+"/"
	} else {
		p.GroupLabels["service"] = alerts[0].Service
	}
	firing := 0
	var summaries []string
	for i, a := range alerts {
		if a.State == model.AlertFiring {
			firing++
		}
		j := amAlertJSON{
			Status: string(a.State), Labels: a.Labels, Annotations: a.Annotations,
			StartsAt: stamp(a.StartsAt), EndsAt: stamp(a.EndsAt), Fingerprint: a.DedupKey,
			GeneratorURL: prometheusURL + "/graph?g0.expr=" + url.QueryEscape(fmt.Sprintf("ALERTS{alertname=%q,service=%q}", a.Name, a.Service)),
		}
		if grafana {
			uid := a.rule.uid()
			v := math.Round(a.value*10) / 10
			j.GeneratorURL = grafanaURL + "/alerting/grafana/" + uid + "/view"
			j.SilenceURL = grafanaURL + "/alerting/silence/new?alertmanager=grafana&matcher=" + url.QueryEscape("__alert_rule_uid__="+uid)
			j.DashboardURL = grafanaURL + "/d/" + a.Service + "/" + a.Service
			j.PanelURL = j.DashboardURL + "?viewPanel=4"
			j.Values = map[string]float64{"B": v, "C": 1}
			j.ValueString = fmt.Sprintf("[ var='B' labels={service=%s} value=%g ]", a.Service, v)
			if i < 3 {
				summaries = append(summaries, a.Summary)
			}
		}
		p.Alerts = append(p.Alerts, j)
	}
	if firing > 0 {
		p.Status = "firing"
	}
	p.CommonLabels = common(alerts, func(a *live) map[string]string { return a.Labels })
	p.CommonAnnotations = common(alerts, func(a *live) map[string]string { return a.Annotations })
	if grafana {
		p.Title, p.State = fmt.Sprintf("[FIRING:%d] %s (%s)", firing, alerts[0].Name, alerts[0].Service), "alerting"
		p.Message = "**Firing**\n\n" + strings.Join(summaries, "\n")
		if firing == 0 {
			p.Title, p.State = fmt.Sprintf("[RESOLVED] %s (%s)", alerts[0].Name, alerts[0].Service), "ok"
			p.Message = "**Resolved**\n\n" + strings.Join(summaries, "\n")
		}
	}
	return mustJSON(p)
}

// common is the name/value pairs every alert shares.
func common(alerts []*live, of func(*live) map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range of(alerts[0]) {
		out[k] = v
	}
	for _, a := range alerts[1:] {
		m := of(a)
		for k, v := range out {
			if m[k] != v {
				delete(out, k)
			}
		}
	}
	return out
}

// uid is the Grafana alert rule UID of a rule: stable, nine characters.
func (r Rule) uid() string {
	return fingerprint(map[string]string{"rule": r.Name, "service": r.Service})[:9]
}

type pdLinkJSON struct {
	Href string `json:"href"`
	Text string `json:"text"`
}

type pdPayloadJSON struct {
	Summary       string            `json:"summary"`
	Source        string            `json:"source"`
	Severity      string            `json:"severity"`
	Timestamp     string            `json:"timestamp"`
	Component     string            `json:"component"`
	Group         string            `json:"group,omitempty"`
	Class         string            `json:"class"`
	CustomDetails map[string]string `json:"custom_details"`
}

type pdEventJSON struct {
	RoutingKey  string         `json:"routing_key"`
	EventAction string         `json:"event_action"`
	DedupKey    string         `json:"dedup_key"`
	Payload     *pdPayloadJSON `json:"payload,omitempty"`
	Client      string         `json:"client,omitempty"`
	ClientURL   string         `json:"client_url,omitempty"`
	Links       []pdLinkJSON   `json:"links,omitempty"`
}

// pdTrigger is a PagerDuty Events v2 trigger. The alert's labels travel as
// custom_details, which hypercare reads as labels, so routes match them.
func pdTrigger(a *live) []byte {
	e := pdEventJSON{
		RoutingKey: pdRoutingKey, EventAction: "trigger", DedupKey: a.DedupKey,
		Payload: &pdPayloadJSON{
			Summary: a.Summary, Source: a.Labels["instance"], Severity: a.Severity.String(),
			Timestamp: stamp(a.StartsAt), Component: a.Service, Class: a.Name, CustomDetails: a.Labels,
		},
		Client: "Orion monitoring", ClientURL: prometheusURL + "/alerts",
	}
	if job := a.Labels["job"]; job != "" {
		e.Payload.Group = "batch"
		e.Client, e.ClientURL = "Orion batch scheduler", "https://scheduler.orion-retail.example/jobs/"+job
	}
	if rb := a.Annotations["runbook_url"]; rb != "" {
		e.Links = []pdLinkJSON{{Href: rb, Text: "Runbook"}}
	}
	return mustJSON(e)
}

// pdAction acknowledges or resolves by dedup key; PagerDuty sends nothing else.
func pdAction(action, key string) []byte {
	return mustJSON(pdEventJSON{RoutingKey: pdRoutingKey, EventAction: action, DedupKey: key})
}

type ogResponderJSON struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

type ogCreateJSON struct {
	Message     string            `json:"message"`
	Alias       string            `json:"alias"`
	Description string            `json:"description,omitempty"`
	Responders  []ogResponderJSON `json:"responders,omitempty"`
	Tags        []string          `json:"tags"`
	Details     map[string]string `json:"details"`
	Entity      string            `json:"entity"`
	Source      string            `json:"source"`
	Priority    string            `json:"priority"`
}

// ogCreate is an Opsgenie Create Alert body; the alias is the dedup key and
// the alert's labels travel as details, which hypercare reads as labels.
func ogCreate(a *live, team string) []byte {
	c := ogCreateJSON{
		Message: a.Summary, Alias: a.DedupKey, Tags: []string{"prod", a.Service},
		Details: a.Labels, Entity: a.Labels["instance"], Source: "orion-monitoring",
		Priority: map[model.Severity]string{model.SevCritical: "P2", model.SevWarning: "P3", model.SevInfo: "P5"}[a.Severity],
	}
	if strings.HasPrefix(a.Name, "Cert") {
		c.Source, c.Tags = "cert-checker", append(c.Tags, "tls", "expiry")
	}
	if rb := a.Annotations["runbook_url"]; rb != "" {
		c.Description = a.Name + " on " + a.Labels["instance"] + "\nRunbook: " + rb
	}
	if team != "" {
		c.Responders = []ogResponderJSON{{Name: team, Type: "team"}}
	}
	return mustJSON(c)
}

// ogClose closes an Opsgenie alert by alias: as the action hypercare's
// drops accept beside the Create Alert body, or as Opsgenie's own outgoing
// webhook sends it when someone closes the alert there.
func ogClose(a *live, webhook bool) []byte {
	if webhook {
		return mustJSON(ogWebhookJSON{Action: "Close", Alert: ogWebhookAlertJSON{Alias: a.DedupKey, Message: a.Summary, Username: "System"}, Source: ogSourceJSON{Type: "api"}})
	}
	return mustJSON(ogCloseJSON{Action: "close", Alias: a.DedupKey, User: "orion-monitoring", Note: "condition cleared"})
}

type ogCloseJSON struct {
	Action string `json:"action"`
	Alias  string `json:"alias"`
	User   string `json:"user"`
	Note   string `json:"note"`
}

type ogWebhookJSON struct {
	Action string             `json:"action"`
	Alert  ogWebhookAlertJSON `json:"alert"`
	Source ogSourceJSON       `json:"source"`
}

type ogWebhookAlertJSON struct {
	Alias    string `json:"alias"`
	Message  string `json:"message"`
	Username string `json:"username"`
}

type ogSourceJSON struct {
	Type string `json:"type"`
}

// genericLines is hypercare's generic NDJSON, one alert a line.
func genericLines(alerts []*live, now time.Time) []byte {
	var b bytes.Buffer
	for _, a := range alerts {
		at := a.StartsAt
		if a.State == model.AlertResolved {
			at = cmp.Or(a.EndsAt, now)
		}
		b.Write(mustJSON(drops.GenericEvent{
			Source: a.Source, Key: a.DedupKey, Status: string(a.State), Severity: a.Severity.String(),
			Service: a.Service, Name: a.Name, Summary: a.Summary, Labels: a.Labels, Annotations: a.Annotations,
			At: stamp(at),
		}))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// chatMessage is a deploy bot's chat webhook sent to the alert intake by
// mistake: no format hypercare knows.
func chatMessage(rnd *rand.Rand) []byte {
	services := []string{"checkout", "storefront", "payments", "search"}
	return mustJSON(struct {
		Channel   string `json:"channel"`
		Username  string `json:"username"`
		Text      string `json:"text"`
		IconEmoji string `json:"icon_emoji"`
	}{"#orion-releases", "deploy-bot", fmt.Sprintf("Deployed %s 2.%d.%d to prod", services[rnd.IntN(len(services))], 14+rnd.IntN(3), rnd.IntN(9)), ":rocket:"})
}

// probeLocalTime is a hand-written probe script's line with a local time
// where RFC 3339 is needed.
func probeLocalTime(now time.Time) []byte {
	line := mustJSON(drops.GenericEvent{
		Source: "synthetic", Key: "probe-basket-eu", Status: "firing", Severity: "warning", Service: "checkout",
		Name: "ProbeBasketSlow", Summary: "synthetic add-to-basket probe took 4.8s from eu-west",
		Labels: map[string]string{"probe": "basket", "region": "eu-west"}, At: now.Format("2006-01-02 15:04:05"),
	})
	return append(line, '\n')
}

// probeBadStatus is a probe script that reports a passing probe as "ok".
func probeBadStatus(now time.Time) []byte {
	ok := drops.GenericEvent{
		Source: "synthetic", Key: "probe-search-eu", Status: "firing", Severity: "warning", Service: "search",
		Name: "ProbeSearchSlow", Summary: "synthetic search probe took 2.9s from eu-west",
		Labels: map[string]string{"probe": "search", "region": "eu-west"}, At: stamp(now),
	}
	bad := ok
	bad.Key, bad.Status, bad.Summary, bad.Labels = "probe-search-us", "ok", "synthetic search probe passed from us-east", map[string]string{"probe": "search", "region": "us-east"}
	return append(append(append(mustJSON(ok), '\n'), mustJSON(bad)...), '\n')
}
