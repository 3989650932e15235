package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/ui/uitest"
)

// tlsServer serves a freshly made self-signed certificate for host that
// expires at notAfter, on a local port.
func tlsServer(t *testing.T, host string, notAfter time.Time) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(4242), Subject: pkix.Name{CommonName: host, Organization: []string{"Orion Test"}},
		DNSNames: []string{host}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: notAfter.Add(-90 * 24 * time.Hour), NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// cert check reads what a live endpoint serves, records it through the
// desk and warns about it at once; list licences shows it beside the
// plan's, and the feed has its warning.
func TestCertCheck(t *testing.T) {
	db, planPath := seeded(t)
	addr := tlsServer(t, "shop.test", time.Now().Add(5*24*time.Hour+time.Hour).Truncate(time.Second))
	code, out, errOut := cli(t, "--db", db, "--plan", planPath, "--as", "tom.okafor", "cert", "check", addr,
		"--service", "storefront", "--name", "shop.test TLS")
	if code != exitOK {
		t.Fatalf("cert check: %d %s%s", code, out, errOut)
	}
	for _, want := range []string{addr + ": shop.test TLS", "subject:  CN=shop.test,O=Orion Test", "(in 5 days)",
		"NOT trusted: x509: certificate signed by unknown authority", "service:  storefront", "recorded by tom.okafor"} {
		if !strings.Contains(out, want) {
			t.Errorf("cert check output lacks %q:\n%s", want, out)
		}
	}

	code, out, errOut = cli(t, "--db", db, "--plan", planPath, "list", "licences", "--format", "json")
	var rows []licenceRow
	if err := json.Unmarshal([]byte(out), &rows); code != exitOK || err != nil {
		t.Fatalf("list licences: %d %v %s%s", code, err, out, errOut)
	}
	var found bool
	for _, r := range rows {
		if r.Endpoint == addr {
			found = true
			if r.Name != "shop.test TLS" || r.Kind != model.KindCertificate || r.Owner != "web" || r.Stage != "7d" || r.CheckedAt.IsZero() {
				t.Errorf("checked certificate listed as %+v", r)
			}
		}
	}
	if !found || len(rows) != 5 {
		t.Errorf("list licences: %d rows, the check among them: %v", len(rows), found)
	}
	code, out, _ = cli(t, "--db", db, "--plan", planPath, "list", "licences")
	if code != exitOK || !strings.Contains(out, "shop.test TLS") || !strings.Contains(out, "checked ") ||
		!strings.Contains(out, "NAME") || !strings.Contains(out, "Keycloak enterprise support subscription") {
		t.Errorf("list licences as text:\n%s", out)
	}

	code, out, _ = cli(t, "--db", db, "list", "alerts", "--json")
	var alerts []model.Alert
	if err := json.Unmarshal([]byte(out), &alerts); code != exitOK || err != nil {
		t.Fatal(code, err)
	}
	warned := false
	for _, a := range alerts {
		warned = warned || (a.Name == "CertificateExpiring" && a.Labels["licence"] == "shop.test TLS" && a.Labels["stage"] == "7d" && a.Service == "storefront")
	}
	if !warned {
		t.Errorf("no 7-day warning in the feed: %+v", alerts)
	}

	// Nothing listens: the error says what to check, and nothing is recorded.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	code, _, errOut = cli(t, "--db", db, "--plan", planPath, "--as", "tom.okafor", "cert", "check", closed)
	if code != exitRejected || !strings.Contains(errOut, "check the host and port") {
		t.Errorf("closed port: %d %s", code, errOut)
	}
	code, _, errOut = cli(t, "--db", db, "--plan", planPath, "--as", "dan.kowalski", "cert", "check", addr)
	if code != exitRejected || !strings.Contains(errOut, "may not record certificate checks") {
		t.Errorf("a viewer's check: %d %s", code, errOut)
	}
	code, _, errOut = cli(t, "cert", "check", "shop.test")
	if code != exitUsage || !strings.Contains(errOut, "add the port, such as shop.test:443") {
		t.Errorf("no port: %d %s", code, errOut)
	}
}

// The whole plan as Markdown, the example plan's as the golden file.
func TestPlanShowMarkdown(t *testing.T) {
	_, planPath := seeded(t)
	code, out, errOut := cli(t, "plan", "show", planPath, "--format", "md")
	if code != exitOK {
		t.Fatalf("plan show: %d %s", code, errOut)
	}
	uitest.Golden(t, out)

	code, text, errOut := cli(t, "--plan", planPath, "plan", "show")
	if code != exitOK {
		t.Fatalf("plan show as text: %d %s", code, errOut)
	}
	for _, want := range []string{"## Purpose", "## Responsibilities", "Database administration", "Regression tests:",
		"## Budget and other resources", "next review Mon 30 Nov 2026"} {
		if !strings.Contains(text, want) {
			t.Errorf("plan show lacks %q", want)
		}
	}
	for i, l := range strings.Split(text, "\n") {
		if w := len([]rune(l)); w > 100 || strings.HasSuffix(l, " ") {
			t.Errorf("line %d is %d wide or ends in a space: %q", i+1, w, l)
			break
		}
	}
	if code, _, errOut := cli(t, "plan", "show", planPath, "--format", "pdf"); code != exitUsage || !strings.Contains(errOut, "use text or md") {
		t.Errorf("--format pdf: %d %s", code, errOut)
	}
}

// Services list with what depends on them; one service shows what its
// going down affects, what it needs, and what is open on both.
func TestServicesListAndShow(t *testing.T) {
	db, _ := seeded(t) // INC-1, a P1 on checkout
	code, out, errOut := cli(t, "--db", db, "list", "services", "--format", "json")
	var rows []serviceRow
	if err := json.Unmarshal([]byte(out), &rows); code != exitOK || err != nil {
		t.Fatalf("list services: %d %v %s", code, err, errOut)
	}
	for _, r := range rows {
		if r.ID == "orders-db" && (r.Version != "PostgreSQL 16.4 (Patroni 3.3)" || r.RPO != "5m" || r.RTO != "1h" ||
			strings.Join(r.Dependents, ",") != "catalog,orders,reporting,settlement") {
			t.Errorf("orders-db listed as %+v", r)
		}
	}
	code, out, _ = cli(t, "--db", db, "list", "services")
	if code != exitOK || !strings.Contains(out, "NEEDED BY") || !strings.Contains(out, "catalog,orders,reporting,settlement") {
		t.Errorf("list services:\n%s", out)
	}

	code, out, errOut = cli(t, "--db", db, "show", "service", "payments")
	if code != exitOK {
		t.Fatalf("show service: %d %s", code, errOut)
	}
	for _, want := range []string{"platform:", "AKS uk-south", "rto:", "30m", "dependents:", "checkout",
		"affected_if_down:", "open_incidents:", "open_on_what_it_needs:", "needs:", "psp-gateway"} {
		if !strings.Contains(out, want) {
			t.Errorf("show service payments lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = cli(t, "--db", db, "show", "service", "identity", "--json")
	var v struct {
		Affected []string `json:"affected_if_down"`
		Open     []string `json:"open_incidents"`
	}
	if err := json.Unmarshal([]byte(out), &v); code != exitOK || err != nil || strings.Join(v.Affected, ",") != "api-gateway,checkout,storefront" {
		t.Errorf("show service identity --json: %d %v %+v", code, err, v)
	}
	code, out, _ = cli(t, "--db", db, "show", "service", "checkout")
	if code != exitOK || !strings.Contains(out, "INC-1 P1 checkout: Checkout red 502s") {
		t.Errorf("the P1 on checkout is not among its open incidents:\n%s", out)
	}
	if code, _, errOut := cli(t, "--db", db, "show", "service", "nope"); code != exitRejected || !strings.Contains(errOut, `service "nope" is not in the catalogue`) {
		t.Errorf("unknown service: %d %s", code, errOut)
	}
}
