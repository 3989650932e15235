package model_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/model/modeltest"
	"github.com/hypercare-ops/hypercare/store"
)

func TestExpiryStage(t *testing.T) {
	expires := time.Date(2025, 4, 10, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	tests := []struct {
		left time.Duration
		want int
	}{
		{60 * day, model.StageNone},
		{30*day + time.Minute, model.StageNone},
		{30 * day, 30},
		{15 * day, 30},
		{14 * day, 14},
		{8 * day, 14},
		{7 * day, 7},
		{25 * time.Hour, 7},
		{day, 1},
		{time.Minute, 1},
		{0, model.StageExpired},
		{-3 * day, model.StageExpired},
	}
	for _, tt := range tests {
		if got := model.ExpiryStage(expires, expires.Add(-tt.left)); got != tt.want {
			t.Errorf("%s left: stage %d, want %d", tt.left, got, tt.want)
		}
	}
}

func TestLeftText(t *testing.T) {
	for left, want := range map[time.Duration]string{
		14 * 24 * time.Hour: "in 14 days", 47 * time.Hour: "in 47 hours", 90 * time.Minute: "in 1 hour",
		20 * time.Minute: "in 20 minutes", -50 * time.Hour: "expired 2 days ago", 0: "expired 0 minutes ago",
	} {
		if got := model.LeftText(left); got != want {
			t.Errorf("LeftText(%s) = %q, want %q", left, got, want)
		}
	}
}

// licencePolicy is the test policy with licences in its plan.
type licencePolicy struct {
	modeltest.Policy
	licences []model.Licence
}

func (p licencePolicy) LicenceList() []model.Licence { return p.licences }

// expiryFeed is the expiry alerts in the feed: "name stage state", firing first.
func expiryFeed(t *testing.T, db *store.DB) []string {
	t.Helper()
	feed, err := db.Feed(t.Context(), model.FeedQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range feed {
		if a.Source == model.ExpirySource {
			out = append(out, fmt.Sprintf("%s %s %s %s", a.Labels["licence"], a.Labels["stage"], a.Severity, a.State))
		}
	}
	return out
}

// A licence is warned about at 30, 14, 7 and 1 days and when it expires,
// each once however often the sweep runs, each warning resolving the one
// before; at expiry the plan's incident opens, once. A restarted desk
// raises nothing again, and a renewal resolves what stands.
func TestSweepExpiryByDay(t *testing.T) {
	ctx := t.Context()
	db, desk, clk := newDesk(t)
	start := clk.At
	expires := start.Add(40 * 24 * time.Hour)
	pol := licencePolicy{licences: []model.Licence{
		{Key: "licence:Search subscription", Name: "Search subscription", Kind: model.KindLicence, Owner: "platform", Service: "orders",
			Expires: expires, IncidentImpact: model.High, IncidentUrgency: model.Medium},
	}}
	desk.SetPolicy(pol)

	raisedOn := map[int]int{} // day → warnings raised that day
	for day := 0; day <= 45; day++ {
		for _, hour := range []int{0, 6, 12, 18} { // four sweeps a day: later ones find nothing new
			clk.At = start.Add(time.Duration(day)*24*time.Hour + time.Duration(hour)*time.Hour)
			n, err := desk.SweepExpiry(ctx, clk.At)
			if err != nil {
				t.Fatalf("day %d: %v", day, err)
			}
			raisedOn[day] += n
		}
	}
	want := map[int]int{10: 1, 26: 1, 33: 1, 39: 1, 40: 1}
	for day := 0; day <= 45; day++ {
		if raisedOn[day] != want[day] {
			t.Errorf("day %d: %d warning(s) raised, want %d", day, raisedOn[day], want[day])
		}
	}
	got := strings.Join(expiryFeed(t, db), "\n")
	wantFeed := strings.Join([]string{
		"Search subscription expired critical firing",
		"Search subscription 1d critical resolved",
		"Search subscription 7d warning resolved",
		"Search subscription 14d warning resolved",
		"Search subscription 30d info resolved",
	}, "\n")
	if got != wantFeed {
		t.Errorf("feed:\n%s\nwant:\n%s", got, wantFeed)
	}
	open, err := db.OpenIncidentsOn(ctx, []string{"orders"})
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 1 || open[0].Priority != 2 || open[0].Team != "platform" || !strings.Contains(open[0].Title, "LicenceExpired on orders: Search subscription licence expired") {
		t.Fatalf("incidents at expiry: %+v", open)
	}

	// A restart: a new desk over the same database raises nothing again.
	again := model.NewDesk(db, pol)
	if n, err := again.SweepExpiry(ctx, clk.At.Add(time.Hour)); n != 0 || err != nil {
		t.Errorf("after a restart: %d raised, %v", n, err)
	}

	// Renewed for a year: the expired warning resolves, the incident is
	// told, and nothing is due for eleven months.
	pol.licences[0].Expires = expires.AddDate(1, 0, 0)
	desk.SetPolicy(pol)
	if n, err := desk.SweepExpiry(ctx, clk.At); n != 0 || err != nil {
		t.Errorf("renewal: %d raised, %v", n, err)
	}
	if feed := expiryFeed(t, db); feed[0] != "Search subscription expired critical resolved" {
		t.Errorf("after renewal the feed shows %q", feed[0])
	}
	tl, err := db.Timeline(ctx, open[0].ID)
	if err != nil || !strings.Contains(tl[len(tl)-1].Text, "all alerts resolved") {
		t.Errorf("the incident's timeline ends %+v, %v", tl[len(tl)-1], err)
	}
	if n, err := desk.SweepExpiry(ctx, clk.At.AddDate(0, 6, 0)); n != 0 || err != nil {
		t.Errorf("six months on: %d raised, %v", n, err)
	}
}

// A sweep that missed thresholds (the console was off) raises only the
// nearest; one taken out of the plan has its warning resolved; a checked
// certificate is warned about like a licence, and a check of the endpoint
// the plan names gives the plan's entry its live date.
func TestSweepExpiryCatchesUp(t *testing.T) {
	ctx := t.Context()
	db, desk, clk := newDesk(t)
	day := 24 * time.Hour
	pol := licencePolicy{licences: []model.Licence{
		{Key: "licence:A", Name: "A", Kind: model.KindLicence, Expires: clk.At.Add(40 * day)},
		{Key: "certificate:api TLS", Name: "api TLS", Kind: model.KindCertificate, Endpoint: "api.example.com:443", Expires: clk.At.Add(100 * day)},
	}}
	desk.SetPolicy(pol)
	if n, err := desk.SweepExpiry(ctx, clk.At); n != 0 || err != nil {
		t.Fatalf("40 days out: %d, %v", n, err)
	}
	clk.At = clk.At.Add(35 * day)
	if n, err := desk.SweepExpiry(ctx, clk.At); n != 1 || err != nil {
		t.Fatalf("5 days left: %d raised, %v", n, err)
	}
	if got := expiryFeed(t, db); len(got) != 1 || got[0] != "A 7d warning firing" {
		t.Errorf("feed %v, want only the 7-day warning", got)
	}

	// The endpoint really serves a certificate that runs out in 3 days,
	// and another endpoint one in 20.
	for _, c := range []model.Certificate{
		{Endpoint: "api.example.com:443", NotAfter: clk.At.Add(3 * day), Subject: "CN=api.example.com"},
		{Endpoint: "shop.example.com:443", Service: "checkout", NotAfter: clk.At.Add(20 * day), Subject: "CN=shop.example.com"},
	} {
		if _, err := desk.RecordCertificate(ctx, bob, c); err != nil {
			t.Fatal(err)
		}
	}
	pol.licences = pol.licences[1:] // A leaves the plan
	desk.SetPolicy(pol)
	if n, err := desk.SweepExpiry(ctx, clk.At); n != 2 || err != nil {
		t.Fatalf("after the checks: %d raised, %v", n, err)
	}
	got := strings.Join(expiryFeed(t, db), "\n")
	for _, want := range []string{"api TLS 7d warning firing", "shop.example.com TLS certificate 30d info firing", "A 7d warning resolved"} {
		if !strings.Contains(got, want) {
			t.Errorf("feed lacks %q:\n%s", want, got)
		}
	}
	watched, err := desk.Watched(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(watched) != 2 || watched[1].Owner != "checkout-team" || watched[0].CheckedAt.IsZero() {
		t.Errorf("watched: %+v", watched)
	}
}

func TestRecordCertificateChecks(t *testing.T) {
	ctx := t.Context()
	_, desk, clk := newDesk(t)
	good := model.Certificate{Endpoint: "api.example.com:443", NotAfter: clk.At.Add(time.Hour), Subject: "CN=\x1b[31mapi"}
	tests := []struct {
		name string
		who  model.Actor
		edit func(*model.Certificate)
		want string
	}{
		{"viewer", model.Actor{Name: "v", Role: model.RoleViewer}, nil, "may not record certificate checks"},
		{"no port", bob, func(c *model.Certificate) { c.Endpoint = "api.example.com" }, "give HOST:PORT"},
		{"no expiry", bob, func(c *model.Certificate) { c.NotAfter = time.Time{} }, "has no expiry"},
		{"unknown service", bob, func(c *model.Certificate) { c.Service = "nope" }, `service "nope" is not in the plan`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			if tt.edit != nil {
				tt.edit(&c)
			}
			_, err := desk.RecordCertificate(ctx, tt.who, c)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("RecordCertificate = %v, want %q", err, tt.want)
			}
		})
	}
	got, err := desk.RecordCertificate(ctx, bob, good)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "api.example.com TLS certificate" || got.Subject != "CN=api" || got.CheckedBy != "bob" {
		t.Errorf("recorded %+v", got)
	}
	certs, err := desk.Reader().Certificates(context.Background())
	if err != nil || len(certs) != 1 || !certs[0].NotAfter.Equal(good.NotAfter) {
		t.Errorf("stored %+v, %v", certs, err)
	}
}
