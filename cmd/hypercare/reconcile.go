package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
)

// reconcileEvery is how often each Alertmanager named in the plan
// (alertmanager_url under [[source]]) is asked which alerts it still holds.
const reconcileEvery = time.Minute

// maxAlertmanagerList bounds the answer read from an Alertmanager.
const maxAlertmanagerList = 64 << 20

// reconcileAlertmanagers resolves, every interval until ctx ends, the firing
// alerts that a source's Alertmanager no longer holds: Alertmanager sends no
// resolve for an alert that ends while silenced or inhibited, and a resolve
// can be lost on the way. What each resolve did is in the audit log; a
// failed check is reported (for the footer; "" once all is well again) and
// tried again on the next tick.
func reconcileAlertmanagers(ctx context.Context, desk *model.Desk, current func() *plan.Plan, leading func(context.Context) bool,
	every time.Duration, report func(problem string)) {
	client := &http.Client{Timeout: 20 * time.Second}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		problem := ""
		sources := current().Sources
		if !leading(ctx) {
			sources = nil // the leading process checks them
		}
		for _, src := range sources {
			if src.Alertmanager == "" {
				continue
			}
			if _, err := reconcileOne(ctx, desk, client, src.Name, src.Alertmanager); err != nil && problem == "" {
				problem = src.Name + ": " + err.Error()
			}
		}
		if ctx.Err() == nil {
			report(problem)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// reconcileOne lists what one Alertmanager holds and resolves the rest.
func reconcileOne(ctx context.Context, desk *model.Desk, client *http.Client, source, base string) (int, error) {
	listedAt := desk.Now()
	present, err := alertmanagerAlerts(ctx, client, base)
	if err != nil {
		return 0, err
	}
	return desk.ReconcileSource(ctx, source, present, listedAt)
}

// alertmanagerAlerts returns the fingerprints of every alert an Alertmanager
// holds (active, silenced, inhibited or not yet processed), from its
// /api/v2/alerts.
func alertmanagerAlerts(ctx context.Context, client *http.Client, base string) (map[string]bool, error) {
	q := url.Values{"active": {"true"}, "silenced": {"true"}, "inhibited": {"true"}, "unprocessed": {"true"}}
	u := base + "/api/v2/alerts?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("alertmanager_url %q: %w", base, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot ask Alertmanager which alerts it holds: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("Alertmanager answered %s to GET %s; check alertmanager_url in the plan", resp.Status, u)
	}
	var alerts []struct {
		Fingerprint string `json:"fingerprint"`
	}
	body := io.LimitReader(resp.Body, maxAlertmanagerList)
	if err := json.NewDecoder(body).Decode(&alerts); err != nil {
		return nil, fmt.Errorf("Alertmanager's answer to GET %s is not its alert list: %w", u, err)
	}
	present := make(map[string]bool, len(alerts))
	for _, a := range alerts {
		if a.Fingerprint == "" {
			return nil, fmt.Errorf("Alertmanager's answer to GET %s lists an alert without a fingerprint; is alertmanager_url an Alertmanager?", u)
		}
		present[model.Clean(a.Fingerprint, false)] = true
	}
	return present, nil
}
