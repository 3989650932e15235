package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Minute: "30m", 2 * time.Hour: "2h", 90 * time.Minute: "1h30m", 24 * time.Hour: "24h", 45 * time.Second: "45s",
	} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

// The way to a service in a tree goes through where it is expanded, not
// through a place it is only pointed at.
func TestImpactPath(t *testing.T) {
	needs := []model.ImpactNode{
		{Service: "api-gateway", Children: []model.ImpactNode{{Service: "identity", Seen: true}}},
		{Service: "identity"},
		{Service: "catalog", Children: []model.ImpactNode{{Service: "orders-db"}}},
	}
	for service, want := range map[string]string{
		"identity": "storefront → identity", "orders-db": "storefront → catalog → orders-db", "api-gateway": "storefront → api-gateway", "cdn": "",
	} {
		if got := strings.Join(impactPath("storefront", needs, service), " → "); got != want {
			t.Errorf("path to %s = %q, want %q", service, got, want)
		}
	}
}
