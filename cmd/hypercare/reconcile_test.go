package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// An alert that Alertmanager no longer holds (it ended while silenced, so
// no resolve was sent) is resolved by asking Alertmanager; one it still
// holds stays firing, and so does one heard after the list was taken.
func TestReconcileWithAlertmanager(t *testing.T) {
	ctx, a := openSeeded(t)
	// The store keeps milliseconds: a clock that moves on at each reading
	// keeps "seen before the list was asked for" and "fired while it was on
	// its way" apart however fast the machine is.
	var ticks atomic.Int64
	base := time.Now()
	a.desk.Now = func() time.Time { return base.Add(time.Duration(ticks.Add(1)) * time.Millisecond) }
	var events []model.AlertEvent
	for _, fp := range []string{"held", "gone"} {
		events = append(events, model.AlertEvent{Alert: model.Alert{DedupKey: fp, Source: "alertmanager", Name: "A",
			State: model.AlertFiring, StartsAt: time.Now().Add(-time.Hour), Labels: map[string]string{"service": "checkout", "fp": fp}}})
	}
	if _, err := a.desk.Ingest(ctx, model.System, model.Drop{Name: "am", Format: "alertmanager", Events: events}); err != nil {
		t.Fatal(err)
	}
	asked := make(chan string, 1)
	am := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked <- r.URL.String()
		// An alert fires while the list is on its way: it is not in the list.
		late := model.Alert{DedupKey: "late", Source: "alertmanager", Name: "B", State: model.AlertFiring,
			StartsAt: time.Now(), Labels: map[string]string{"service": "checkout"}}
		if _, err := a.desk.Ingest(ctx, model.System, model.Drop{Name: "late", Format: "alertmanager", Events: []model.AlertEvent{{Alert: late}}}); err != nil {
			t.Error(err)
		}
		fmt.Fprint(w, `[{"fingerprint":"held","status":{"state":"suppressed"},"labels":{"alertname":"A"}}]`)
	}))
	defer am.Close()

	n, err := reconcileOne(ctx, a.desk, am.Client(), "alertmanager", am.URL)
	if err != nil || n != 1 {
		t.Fatalf("reconcile: %d %v; want 1 resolved", n, err)
	}
	if u := <-asked; !strings.HasPrefix(u, "/api/v2/alerts?") || !strings.Contains(u, "silenced=true") || !strings.Contains(u, "inhibited=true") {
		t.Fatalf("asked %s; want every alert Alertmanager holds", u)
	}
	feed, err := a.db.Feed(ctx, model.FeedQuery{Firing: true, Limit: 10})
	if err != nil || len(feed) != 2 || feed[0].DedupKey == "gone" || feed[1].DedupKey == "gone" {
		t.Fatalf("firing after reconcile: %+v %v; want the held one and the late one", feed, err)
	}

	// A broken answer changes nothing and says what is wrong.
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html>login</html>`)
	}))
	defer bad.Close()
	if _, err := reconcileOne(ctx, a.desk, bad.Client(), "alertmanager", bad.URL); err == nil || !strings.Contains(err.Error(), "is not its alert list") {
		t.Fatalf("html answer: %v", err)
	}
	if feed, _ := a.db.Feed(ctx, model.FeedQuery{Firing: true, Limit: 10}); len(feed) != 2 {
		t.Fatalf("a broken answer resolved alerts: %+v", feed)
	}
}
