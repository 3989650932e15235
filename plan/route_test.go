package plan

import (
	"slices"
	"testing"

	"github.com/hypercare-ops/hypercare/model"
)

func TestMatcher(t *testing.T) {
	tests := []struct {
		cond   string
		value  string // the alert's "env" label; "-" for no such label
		expect bool
	}{
		{"prod", "prod", true},
		{"prod", "production", false},
		{"!prod", "staging", true},
		{"!prod", "prod", false},
		{"!prod", "-", true},
		{"=~prod|staging", "staging", true},
		{"=~prod", "production", false}, // the whole value must match
		{"=~.*", "-", true},
		{"!~dev|uat", "prod", true},
		{"!~dev|uat", "uat", false},
	}
	for _, tt := range tests {
		m, err := parseMatcher("env", tt.cond)
		if err != nil {
			t.Fatal(err)
		}
		labels := map[string]string{"env": tt.value}
		if tt.value == "-" {
			labels = map[string]string{}
		}
		if got := m.Matches(labels); got != tt.expect {
			t.Errorf("%q on env=%q: %v", tt.cond, tt.value, got)
		}
	}
}

func TestRouteAlert(t *testing.T) {
	p := loadExample(t)
	tests := []struct {
		name   string
		labels map[string]string
		want   Routing
	}{
		{"critical disk on a database host", map[string]string{"alertname": "DiskFull", "instance": "db-1", "severity": "critical", "service": "orders-db"}, Routing{
			Routes:  []string{"Database hosts belong to orders-db", "Disk alerts go to platform", "Critical is high impact, high urgency", "Open incidents for critical alerts on tier-1 services"},
			Service: "orders-db", Team: "platform", Impact: model.High, Urgency: model.High, AutoIncident: true,
		}},
		{"PSP warning", map[string]string{"alertname": "PSPTimeouts", "severity": "warning", "service": "psp-gateway"}, Routing{
			Routes:  []string{"AcmePay errors go to the payments team", "Warnings are medium"},
			Service: "psp-gateway", Team: "payments", Impact: model.Medium, Urgency: model.Medium,
		}},
		{"critical in staging", map[string]string{"alertname": "HighErrorRate", "severity": "critical", "service": "checkout", "env": "staging"}, Routing{
			Routes: []string{"Non-production alerts stay low"},
			Impact: model.Low, Urgency: model.Low,
		}},
		{"watchdog", map[string]string{"alertname": "Watchdog", "severity": "critical", "service": "checkout"}, Routing{
			Routes: []string{"Critical is high impact, high urgency"},
			Impact: model.High, Urgency: model.High,
		}},
		{"only the catch-all", map[string]string{"alertname": "Info", "severity": "info"}, Routing{
			Routes: []string{"Everything else is low"},
			Impact: model.Low, Urgency: model.Low,
		}},
	}
	for _, tt := range tests {
		got := p.RouteAlert(tt.labels)
		if !slices.Equal(got.Routes, tt.want.Routes) || got.Service != tt.want.Service || got.Team != tt.want.Team ||
			got.Impact != tt.want.Impact || got.Urgency != tt.want.Urgency || got.AutoIncident != tt.want.AutoIncident {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, got, tt.want)
		}
	}
}
