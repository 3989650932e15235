package demo

import (
	"fmt"
	"hash/fnv"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// Rule is one alerting rule of the demo platform's monitoring: what it is
// called, where it fires and how its summary reads. The same rules feed the
// seeded history and the live generator, so both tell one story.
type Rule struct {
	Name      string // alertname
	Service   string
	Severity  model.Severity
	Source    string            // alertmanager, grafana, pagerduty, opsgenie, synthetic
	Summary   string            // may hold one verb for the measured value
	Min, Max  float64           // range of the measured value
	Instances []string          // where it can fire; one alert per instance
	Labels    map[string]string // extra labels such as queue or device
	Runbook   string            // slug of the KB article to follow
	Weight    int               // how often it fires relative to the others; 0: never drawn at random
}

// Catalogue is the set of rules alerts are drawn from.
type Catalogue []Rule

// runbookBase is where the demo's runbook_url annotations point; the path is
// the article slug, so the console can map a URL back to its article.
const runbookBase = "https://runbooks.orion-retail.example/"

// Firing is the alert rule r raises on instance at a moment, with value as
// the measurement quoted in its summary.
func (r Rule) Firing(instance string, value float64, at time.Time) model.Alert {
	labels := map[string]string{
		"alertname": r.Name,
		"service":   r.Service,
		"instance":  instance,
		"env":       "prod",
		"severity":  r.Severity.String(),
	}
	maps.Copy(labels, r.Labels)
	summary := r.Summary
	if strings.Contains(summary, "%") {
		summary = fmt.Sprintf(summary, value)
	}
	annotations := map[string]string{"summary": summary}
	if r.Runbook != "" {
		annotations["runbook_url"] = runbookBase + r.Runbook
	}
	return model.Alert{
		DedupKey:    fingerprint(labels),
		Source:      r.Source,
		Name:        r.Name,
		Severity:    r.Severity,
		State:       model.AlertFiring,
		Service:     r.Service,
		Summary:     summary,
		Labels:      labels,
		Annotations: annotations,
		StartsAt:    at,
		FirstSeen:   at,
		LastSeen:    at,
	}
}

// Resolved is the delivery that ends a firing alert.
func Resolved(a model.Alert, at time.Time) model.Alert {
	a.State = model.AlertResolved
	a.EndsAt, a.LastSeen = at, at
	return a
}

// Draw fires a rule picked by weight on one of its instances. The catalogue
// needs at least one rule with a weight.
func (c Catalogue) Draw(rnd *rand.Rand, at time.Time) model.Alert {
	r := c.pick(rnd)
	return r.Firing(r.Instances[rnd.IntN(len(r.Instances))], r.value(rnd), at)
}

// Storm fires one rule on n of its instances at once, the way one broken
// node or one bad origin looks to monitoring. It needs a rule with at least
// n instances and reports false when there is none.
func (c Catalogue) Storm(rnd *rand.Rand, n int, at time.Time) ([]model.Alert, bool) {
	var wide Catalogue
	for _, r := range c {
		if len(r.Instances) >= n && r.Weight > 0 {
			wide = append(wide, r)
		}
	}
	if len(wide) == 0 {
		return nil, false
	}
	r := wide[rnd.IntN(len(wide))]
	alerts := make([]model.Alert, n)
	for i, inst := range rnd.Perm(len(r.Instances))[:n] {
		alerts[i] = r.Firing(r.Instances[inst], r.value(rnd), at.Add(time.Duration(i)*700*time.Millisecond))
	}
	return alerts, true
}

// For keeps the rules of services the plan knows, so every alert routes.
func (c Catalogue) For(services []model.Service) Catalogue {
	var out Catalogue
	for _, r := range c {
		if slices.ContainsFunc(services, func(s model.Service) bool { return s.ID == r.Service }) {
			out = append(out, r)
		}
	}
	return out
}

// find returns the rule with the given service and alert name.
func (c Catalogue) find(service, name string) (Rule, bool) {
	i := slices.IndexFunc(c, func(r Rule) bool { return r.Service == service && r.Name == name })
	if i < 0 {
		return Rule{}, false
	}
	return c[i], true
}

func (c Catalogue) weight() int {
	total := 0
	for _, r := range c {
		total += r.Weight
	}
	return total
}

func (c Catalogue) pick(rnd *rand.Rand) Rule {
	n := rnd.IntN(c.weight())
	for _, r := range c {
		if n -= r.Weight; n < 0 {
			return r
		}
	}
	return c[len(c)-1]
}

func (r Rule) value(rnd *rand.Rand) float64 { return r.Min + rnd.Float64()*(r.Max-r.Min) }

// fingerprint is a stable hash of the sorted labels, as Alertmanager computes
// one, so re-deliveries of the same alert share a dedup key.
func fingerprint(labels map[string]string) string {
	h := fnv.New64a()
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		fmt.Fprintf(h, "%s\xff%s\xff", k, labels[k])
	}
	return fmt.Sprintf("%016x", h.Sum64())
}

// pods names n replicas of a deployment the way Kubernetes does
// (deploy-<replicaset>-<suffix>), stable for a service so re-fired alerts
// land on the same pods.
func pods(deploy string, n int) []string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789" // Kubernetes' own name alphabet
	h := fnv.New64a()
	h.Write([]byte(deploy))
	rnd := rand.New(rand.NewPCG(h.Sum64(), 0))
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rnd.IntN(len(alphabet))]
		}
		return string(b)
	}
	rs := word(10)
	names := make([]string, n)
	for i := range names {
		names[i] = deploy + "-" + rs + "-" + word(5)
	}
	return names
}

// popNames are the EdgeCDN points of presence serving the storefront.
var popNames = []string{"fra1", "fra2", "ams1", "lhr2", "cdg1", "mad1", "mil1", "waw1", "vie1", "zrh1", "arn1", "dub1"}

// DefaultCatalogue is the monitoring of the Orion retail platform: the rules
// its Prometheus, Grafana, synthetic probes, batch scheduler and certificate
// checker raise, weighted by how often they fired in a typical hypercare week.
// Batch job alerts belong to the night their job runs, so they are never
// drawn at random; the seeded stories raise them at the right hour.
func DefaultCatalogue() Catalogue {
	const (
		am, grafana, pd, og, synth = "alertmanager", "grafana", "pagerduty", "opsgenie", "synthetic"
		crit, warn, info           = model.SevCritical, model.SevWarning, model.SevInfo
	)
	k8s := map[string]string{"namespace": "orion", "cluster": "aks-orion-prod-uks"}
	dbs := []string{"db-1", "db-2", "db-3"}
	acmepay := []string{"psp-eu-1.acmepay.example:443", "psp-eu-2.acmepay.example:443"}
	rabbit := []string{"rabbitmq-prod-0", "rabbitmq-prod-1", "rabbitmq-prod-2"}
	return Catalogue{
		{Name: "HighErrorRate", Service: "storefront", Severity: crit, Source: am, Summary: "5xx rate %.1f%% over 10m", Min: 5, Max: 14, Instances: pods("storefront", 10), Labels: k8s, Runbook: "cdn-5xx", Weight: 1},
		{Name: "HighLatency", Service: "storefront", Severity: warn, Source: am, Summary: "p99 page render %.1fs over 10m", Min: 2.1, Max: 4.5, Instances: pods("storefront", 10), Labels: k8s, Weight: 4},
		{Name: "PodCrashLooping", Service: "storefront", Severity: warn, Source: am, Summary: "container storefront restarted %.0f times in 15m", Min: 4, Max: 9, Instances: pods("storefront", 10), Labels: k8s, Runbook: "pod-crashloop", Weight: 2},

		{Name: "HighErrorRate", Service: "checkout", Severity: crit, Source: am, Summary: "5xx rate %.1f%% over 10m", Min: 5, Max: 18, Instances: pods("checkout", 8), Labels: k8s, Runbook: "checkout-5xx", Weight: 1},
		{Name: "HighLatency", Service: "checkout", Severity: warn, Source: am, Summary: "p99 latency %.1fs over 10m", Min: 1.6, Max: 3.2, Instances: pods("checkout", 8), Labels: k8s, Runbook: "checkout-5xx", Weight: 4},
		{Name: "PodCrashLooping", Service: "checkout", Severity: warn, Source: am, Summary: "container checkout OOMKilled %.0f times in 15m", Min: 3, Max: 7, Instances: pods("checkout", 8), Labels: k8s, Runbook: "pod-crashloop", Weight: 1},

		{Name: "HighLatency", Service: "payments", Severity: warn, Source: am, Summary: "p99 latency %.2fs over 10m", Min: 1.5, Max: 2.8, Instances: pods("payments", 6), Labels: k8s, Runbook: "payments-high-latency", Weight: 4},
		{Name: "HighErrorRate", Service: "payments", Severity: crit, Source: am, Summary: "5xx rate %.1f%% over 10m", Min: 5, Max: 12, Instances: pods("payments", 6), Labels: k8s, Runbook: "payments-high-latency", Weight: 1},

		{Name: "PSPTimeouts", Service: "psp-gateway", Severity: crit, Source: am, Summary: "%.1f%% of AcmePay authorisations timed out (8s) over 5m", Min: 2.1, Max: 14, Instances: acmepay, Labels: map[string]string{"endpoint": "authorize"}, Runbook: "psp-timeouts", Weight: 2},
		{Name: "PSPCircuitBreakerOpen", Service: "psp-gateway", Severity: crit, Source: am, Summary: "payments' circuit breaker to AcmePay open for %.0fs", Min: 60, Max: 420, Instances: pods("payments", 6), Labels: k8s, Runbook: "payments-degraded-mode", Weight: 1},
		{Name: "CertExpiring", Service: "psp-gateway", Severity: warn, Source: og, Summary: "AcmePay client certificate CN=orion-retail-prod expires in %.0f days", Min: 14, Max: 16, Instances: []string{"psp-eu-1.acmepay.example"}, Runbook: "cert-renewal", Weight: 1},
		{Name: "AcmePayDuplicateWebhooks", Service: "psp-gateway", Severity: info, Source: am, Summary: "%.0f duplicate AcmePay webhooks in the last hour", Min: 40, Max: 260, Instances: pods("payments", 6), Labels: k8s, Runbook: "ke-psp-duplicate-webhooks", Weight: 2},

		{Name: "PriceFeedFailed", Service: "catalog", Severity: warn, Source: pd, Summary: "price feed import failed: %.0f rows rejected", Min: 120, Max: 2400, Instances: []string{"batch-scheduler-1"}, Labels: map[string]string{"job": "price-feed"}, Runbook: "catalog-price-feed", Weight: 1},
		{Name: "HighLatency", Service: "catalog", Severity: warn, Source: am, Summary: "p99 latency %.2fs on /api/products", Min: 0.8, Max: 2.4, Instances: pods("catalog", 4), Labels: k8s, Weight: 2},

		{Name: "HighLatency", Service: "search", Severity: warn, Source: am, Summary: "p99 query latency %.0fms over 10m", Min: 450, Max: 1400, Instances: pods("search", 6), Labels: k8s, Runbook: "search-reindex", Weight: 3},
		{Name: "QueueBacklog", Service: "search", Severity: warn, Source: am, Summary: "catalog.product-changed holds %.0f messages", Min: 12000, Max: 58000, Instances: rabbit, Labels: map[string]string{"queue": "catalog.product-changed"}, Runbook: "ke-search-stale-prices", Weight: 2},

		{Name: "QueueBacklog", Service: "orders", Severity: warn, Source: am, Summary: "orders.created holds %.0f messages", Min: 10500, Max: 31000, Instances: rabbit, Labels: map[string]string{"queue": "orders.created"}, Runbook: "notifications-queue-backlog", Weight: 1},
		{Name: "HighErrorRate", Service: "orders", Severity: crit, Source: am, Summary: "5xx rate %.1f%% over 10m", Min: 5, Max: 16, Instances: pods("orders", 6), Labels: k8s, Runbook: "checkout-5xx", Weight: 1},

		{Name: "DiskFull", Service: "orders-db", Severity: crit, Source: am, Summary: "only %.0f%% left on /var/lib/postgresql", Min: 2, Max: 9, Instances: dbs, Labels: map[string]string{"device": "/dev/sda1"}, Runbook: "orders-db-disk-full", Weight: 1},
		{Name: "ReplicationLag", Service: "orders-db", Severity: warn, Source: am, Summary: "standby %.0fs behind the primary", Min: 35, Max: 280, Instances: dbs[1:], Runbook: "orders-db-replication-lag", Weight: 3},
		{Name: "HighConnections", Service: "orders-db", Severity: warn, Source: am, Summary: "%.0f%% of max_connections in use", Min: 82, Max: 97, Instances: dbs[:1], Runbook: "orders-db-failover", Weight: 1},

		{Name: "LoginFailures", Service: "identity", Severity: warn, Source: grafana, Summary: "login failures %.1fx the weekly baseline", Min: 3.1, Max: 9.5, Instances: pods("identity", 4), Labels: map[string]string{"grafana_folder": "auth"}, Runbook: "identity-login-failures", Weight: 3},
		{Name: "ProbeLoginFailed", Service: "identity", Severity: crit, Source: synth, Summary: "synthetic login probe failed %.0f times in a row", Min: 3, Max: 8, Instances: []string{"probe-eu-west", "probe-eu-central", "probe-us-east"}, Labels: map[string]string{"probe": "login"}, Runbook: "identity-login-failures", Weight: 1},

		{Name: "HighRateLimited", Service: "api-gateway", Severity: warn, Source: am, Summary: "%.1f%% of requests rejected with 429", Min: 1.2, Max: 6.5, Instances: pods("api-gateway", 6), Labels: k8s, Runbook: "api-gateway-429", Weight: 2},
		{Name: "CertExpiring", Service: "api-gateway", Severity: warn, Source: og, Summary: "TLS certificate CN=api.orion-retail.example expires in %.0f days", Min: 1.5, Max: 3, Instances: []string{"api.orion-retail.example"}, Runbook: "cert-renewal", Weight: 1},

		{Name: "QueueBacklog", Service: "notifications", Severity: warn, Source: am, Summary: "notifications.email holds %.0f messages", Min: 10500, Max: 64000, Instances: rabbit, Labels: map[string]string{"queue": "notifications.email"}, Runbook: "notifications-queue-backlog", Weight: 3},
		{Name: "PodCrashLooping", Service: "notifications", Severity: warn, Source: am, Summary: "container notifications OOMKilled %.0f times in 15m", Min: 3, Max: 8, Instances: pods("notifications", 4), Labels: k8s, Runbook: "pod-crashloop", Weight: 1},
		{Name: "SMTPDeferred", Service: "notifications", Severity: info, Source: am, Summary: "%.0f emails deferred by the receiving server in 15m", Min: 80, Max: 900, Instances: []string{"smtp-relay-0", "smtp-relay-1"}, Runbook: "ke-email-deferred", Weight: 2},

		{Name: "BatchJobFailed", Service: "settlement", Severity: crit, Source: pd, Summary: "nightly settlement batch failed: unbalanced by %.2f", Min: 0.01, Max: 0.02, Instances: []string{"batch-scheduler-1"}, Labels: map[string]string{"job": "nightly-settlement"}, Runbook: "ke-settlement-rounding", Weight: 0},
		{Name: "BatchJobMissed", Service: "settlement", Severity: crit, Source: pd, Summary: "nightly settlement batch did not finish in its window", Instances: []string{"batch-scheduler-1"}, Labels: map[string]string{"job": "nightly-settlement"}, Runbook: "settlement-batch-rerun", Weight: 0},

		{Name: "BatchJobLate", Service: "reporting", Severity: warn, Source: pd, Summary: "reporting extract %.0f minutes late", Min: 15, Max: 95, Instances: []string{"batch-scheduler-1"}, Labels: map[string]string{"job": "reporting-extract"}, Runbook: "reporting-extract-late", Weight: 0},

		{Name: "Edge5xxRate", Service: "cdn", Severity: crit, Source: am, Summary: "5xx rate %.1f%% at the POP over 5m", Min: 2, Max: 11, Instances: popNames, Labels: map[string]string{"zone": "orion-www"}, Runbook: "cdn-5xx", Weight: 2},
		{Name: "CacheHitRatioLow", Service: "cdn", Severity: info, Source: am, Summary: "cache hit ratio %.0f%% (usually 92%%)", Min: 55, Max: 80, Instances: popNames, Labels: map[string]string{"zone": "orion-www"}, Runbook: "cdn-cache-purge", Weight: 2},
	}
}
