package consoletest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/ui/uitest"
)

// sizes are the two screens every view is drawn on.
var sizes = [][2]int{{uitest.LargeW, uitest.LargeH}, {uitest.SmallW, uitest.SmallH}}

// :impact identity draws what identity's going down affects — the API
// gateway, and checkout and storefront, which need both, so under the
// gateway they point at where they are drawn — and the P1 open on checkout.
func TestImpactView(t *testing.T) {
	for _, size := range sizes {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			s := seeded(t)
			_, tm := s.console(operator, size[0], size[1])
			tm.Press(":", "impact identity", "enter")
			tm.WaitForPane("Impact · identity", "If identity is down, 3 service(s) are affected, 3 of them tier 1",
				"├─ api-gateway", "│  ├─ checkout    ↓ shown below", "├─ checkout       tier 1 · Checkout   INC-3 P1", "└─ storefront",
				"identity depends on no other service in the plan", "Open incidents on these services (1)", "Checkout returns 502")
			uitest.Golden(t, tm.Final())
		})
	}
}

// I opens the impact of the service of what is in front of the operator:
// an incident in the queue, its detail (whose service line says so), an
// alert's detail; esc comes back. An unknown service is refused by name.
func TestImpactFromRecords(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(operator, uitest.LargeW, uitest.LargeH)
	tm.Press("j") // INC-4, search
	tm.Press("I")
	tm.WaitForPane("Impact · search", "If search is down, 1 service(s) are affected", "└─ storefront",
		"What search needs", "└─ catalog", "└─ orders-db", "INC-4 P2")
	tm.Press("esc")
	tm.WaitFor("Incidents")
	tm.Press("enter")
	tm.WaitForPane("INC-4", "Product search (OpenSearch) · owner platform (search, tier 2) · I impact")
	tm.Press("I")
	tm.WaitForPane("Impact · search", "└─ storefront")
	tm.Press("esc")
	tm.WaitForPane("INC-4", "Search results stale")
	tm.Press("esc", "2", "j", "enter") // the DiskFull alert on orders-db
	tm.WaitForPane("ALR-1 · DiskFull", "· I impact")
	tm.Press("I")
	tm.WaitForPane("Impact · orders-db", "If orders-db is down, 7 service(s) are affected")
	tm.Press(":", "impact ordersdb", "enter")
	tm.WaitFor(`impact: "ordersdb" is not a service in the plan; use one of storefront, checkout`)
	tm.Final()
}

// An open incident's detail lists what is open on the services its own
// needs, with the way it needs each.
func TestIncidentShowsOpenUpstream(t *testing.T) {
	s := seeded(t)
	s.at(hours(-0.5), func() {
		if _, err := s.desk.CreateIncident(s.ctx, operator, model.NewIncident{Title: "PSP authorisations slow", Service: "payments",
			Category: "performance", Impact: model.Medium, Urgency: model.Medium}); err != nil {
			t.Fatal(err)
		}
	})
	_, tm := s.console(operator, uitest.LargeW, uitest.LargeH)
	tm.Press(":", "INC-3", "enter")
	tm.WaitForPane("INC-3", "Open on what checkout needs (1)", "INC-7", "PSP authorisations slow", "checkout → payments")
	tm.Press("tab", "tab") // past CHG-2, running on payments
	tm.WaitFor("→ INC-7 · enter opens")
	tm.Final()
}

// :plan shows the whole support plan, rendered like an article, scrolling.
func TestPlanView(t *testing.T) {
	for _, size := range sizes {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			s := seeded(t)
			_, tm := s.console(viewer, size[0], size[1])
			tm.Press(":", "plan", "enter")
			tm.WaitForPane("Support plan", "Orion retail platform — support plan", "## Purpose", "Keep the Orion retail platform stable")
			view := tm.Final()
			uitest.Golden(t, view)
		})
	}
	s := seeded(t)
	_, tm := s.console(viewer, uitest.SmallW, uitest.SmallH)
	tm.Press(":", "plan", "enter")
	tm.WaitForPane("Support plan", "## Purpose")
	tm.Press("G")
	tm.WaitFor("Support plan ↕100%", "Fewer than 5% of incidents reopened: reopen_rate at most 0.05")
	tm.Final()
}

// Leads see a banner for the licences and certificates that need them;
// operators do not. :licences lists every one with where it stands, and the
// sweep's warning reaches the feed.
func TestExpiryBannerAndList(t *testing.T) {
	s := seeded(t)
	// The API certificate is a day away, the AcmePay one two weeks; the
	// Keycloak subscription is only due for renewal, which warns leads
	// but raises nothing in the feed.
	if n, err := s.desk.SweepExpiry(s.ctx, now); err != nil || n != 2 {
		t.Fatalf("sweep: %d raised, %v", n, err)
	}
	_, tm := s.console(lead, uitest.LargeW, uitest.LargeH)
	tm.WaitFor("⚠ Licences and certificates (3): api.orion-retail.example TLS certificate expires in 10 hours, renewal due")
	tm.WaitForPane("Alerts", "CRIT FIRE  api-gateway  CertificateExpiring")
	tm.Press(":", "licences", "enter")
	tm.WaitForPane("Licences and certificates (4)", "api.orion-retail.example TLS certificate  expires in 10 hours · renewal due",
		"hypercare cert check api.orion-retail.example:443 reads the live one", "Keycloak enterprise support subscription  renewal due",
		"24 of 32 cores (75%)", "OpenSearch managed service reservation  ok")
	tm.Final()

	_, tm = s.console(operator, uitest.LargeW, uitest.LargeH)
	if frame := tm.Final(); strings.Contains(frame, "⚠ Licences") {
		t.Errorf("an operator sees the leads' banner:\n%s", frame)
	}
}

// The palette offers the new views, and ? lists the impact key.
func TestAssetsInPaletteAndHelp(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(operator, uitest.LargeW, uitest.LargeH)
	tm.Press("ctrl+p", "impact")
	tm.WaitFor("impact [SERVICE]", "if a service is down, what is affected")
	tm.Press("esc", "ctrl+p", "support plan")
	tm.WaitFor("plan", "the whole support plan")
	tm.Press("esc", "?")
	tm.WaitFor("I         service impact")
	tm.Final()
}

// The example plan's own API certificate expired on 26 November with no
// warning anywhere; now the morning after, the feed has it as expired, the
// plan's incident is open (a P1 on a tier-1 service: major), and leads
// read it in the banner.
func TestExamplePlanCertificateExpires(t *testing.T) {
	s := seeded(t)
	morning := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	s.clk.set(morning)
	if n, err := s.desk.SweepExpiry(s.ctx, morning); err != nil || n != 2 {
		t.Fatalf("sweep: %d raised, %v", n, err)
	}
	open, err := s.db.OpenIncidentsOn(s.ctx, []string{"api-gateway"})
	if err != nil || len(open) != 1 {
		t.Fatalf("incidents on api-gateway: %v, %v", open, err)
	}
	if in := open[0]; in.Priority != 1 || !in.Major || in.Team != "platform" ||
		!strings.HasPrefix(in.Title, "CertificateExpired on api-gateway: api.orion-retail.example TLS certificate expired 9 hours ago") {
		t.Errorf("the expiry's incident: %s %s major %v team %s", in.Title, in.Priority, in.Major, in.Team)
	}
	_, tm := s.console(lead, uitest.LargeW, uitest.LargeH)
	tm.WaitFor("api.orion-retail.example TLS certificate expired 9 hours ago")
	tm.WaitForPane("Alerts", "CRIT FIRE  api-gateway  CertificateExpired")
	tm.WaitForPane("Incidents", "INC-7     P1  MAJOR New", "CertificateExpired on ap")
	tm.Final()
}
