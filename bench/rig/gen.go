package rig

import (
	"encoding/json"
	"fmt"
	"time"
)

// Gen makes Alertmanager webhook files that take the paths real traffic
// takes through the intake, not only the cheapest one. Each file is one
// notification of one alert group (alertname, service, cluster), as
// Alertmanager sends them: it resolves up to half of its group's alerts
// still firing, oldest first, and fires new ones for the rest. So every
// file changes stored alerts as well as adding new ones; a group's new
// alerts arrive in tens at a time, which makes storms (the example plan's
// storm size is 20); and one group in five is critical, which on a tier-1
// service opens an incident through the plan's routes and writes its
// timeline. The same Gen always makes the same files.
type Gen struct {
	Alerts int    // per file; default 100
	Prefix string // before every fingerprint and file name, to keep runs apart
	// Now stamps the reports (startsAt, endsAt); nil means time.Now.
	Now    func() time.Time
	files  int
	alerts int
	open   map[int][]string // group → fingerprints still firing, oldest first
}

var (
	genServices = []string{"storefront", "checkout", "payments", "psp-gateway", "orders", "orders-db", "identity",
		"api-gateway", "catalog", "search", "notifications", "settlement", "reporting", "cdn"}
	genNames = []string{"HighErrorRate", "HighLatency", "PodCrashLooping", "TargetDown", "QueueBacklog",
		"CPUThrottling", "MemoryPressure", "ReplicationLag", "SLOBurnRateFast", "TooManyConnections"}
	genClusters = 3
)

// Groups is how many alert groups Gen spreads its files over.
func Groups() int { return len(genServices) * len(genNames) * genClusters }

// Files makes the next n files.
func (g *Gen) Files(n int) []File {
	out := make([]File, n)
	for i := range out {
		out[i] = g.file()
	}
	return out
}

type amAlert struct {
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    string            `json:"startsAt"`
	EndsAt      string            `json:"endsAt"`
	Fingerprint string            `json:"fingerprint"`
}

func (g *Gen) file() File {
	per := g.Alerts
	if per <= 0 {
		per = 100
	}
	if g.open == nil {
		g.open = map[int][]string{}
	}
	// Groups are visited in a stride, so files in a row are of different
	// services and names, as several Alertmanager groups send at once.
	group := (g.files * 7919) % Groups()
	svc := genServices[group%len(genServices)]
	name := genNames[group/len(genServices)%len(genNames)]
	cluster := fmt.Sprintf("eu-%d", group/(len(genServices)*len(genNames)))
	sev := "warning"
	if group%5 == 0 {
		sev = "critical"
	}
	labels := func(instance string) map[string]string {
		return map[string]string{"alertname": name, "service": svc, "severity": sev, "env": "prod",
			"cluster": cluster, "instance": instance, "team": "bench"}
	}
	clock := g.Now
	if clock == nil {
		clock = time.Now
	}
	now := clock().UTC().Format(time.RFC3339)
	alerts := make([]amAlert, 0, per)
	resolve := min(len(g.open[group]), per/2)
	for _, fp := range g.open[group][:resolve] {
		alerts = append(alerts, amAlert{Status: "resolved", Labels: labels("i-" + fp), EndsAt: now, StartsAt: now,
			Annotations: map[string]string{"summary": fmt.Sprintf("%s on %s recovered", name, svc)}, Fingerprint: fp})
	}
	g.open[group] = g.open[group][resolve:]
	for range per - resolve {
		g.alerts++
		fp := fmt.Sprintf("%s%012x", g.Prefix, g.alerts)
		alerts = append(alerts, amAlert{Status: "firing", Labels: labels("i-" + fp), StartsAt: now, EndsAt: "0001-01-01T00:00:00Z",
			Annotations: map[string]string{"summary": fmt.Sprintf("%s on %s: instance %s over threshold", name, svc, fp),
				"runbook_url": "https://kb.example/" + name},
			Fingerprint: fp})
		g.open[group] = append(g.open[group], fp)
	}
	status := "firing"
	if resolve == per {
		status = "resolved"
	}
	b, err := json.Marshal(map[string]any{"version": "4", "status": status, "receiver": "hypercare",
		"groupKey":     fmt.Sprintf(`{}:{alertname=%q, cluster=%q, service=%q}`, name, cluster, svc),
		"commonLabels": map[string]string{"alertname": name, "service": svc}, "alerts": alerts, "truncatedAlerts": 0})
	if err != nil {
		panic(err) // maps of strings always marshal
	}
	g.files++
	return File{Name: fmt.Sprintf("%sam-%07d.json", g.Prefix, g.files), Data: b}
}

// Firing is how many of the alerts Gen made are still firing.
func (g *Gen) Firing() int {
	n := 0
	for _, fps := range g.open {
		n += len(fps)
	}
	return n
}

// Made is how many distinct alerts Gen has made.
func (g *Gen) Made() int { return g.alerts }
