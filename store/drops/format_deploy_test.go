package drops

import (
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

func TestParseDeploy(t *testing.T) {
	one := `{"deploy":{"id":"run-7","service":"checkout","version":"2.14.0","by":"ci\u001b[31m","start":"2026-12-06T02:05:00Z",` +
		`"end":"2026-12-06T02:11:40Z","status":"Succeeded","change":"chg-12","url":"https://ci/7"},"pipeline":"ignored"}`
	b, err := Parse("d.json", []byte(one), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 6, 2, 5, 0, 0, time.UTC)
	want := model.Deploy{Key: "run-7", Service: "checkout", Version: "2.14.0", By: "ci", Start: start, End: start.Add(6*time.Minute + 40*time.Second),
		Status: model.DeploySucceeded, Named: 12, URL: "https://ci/7"}
	if b.Format != FormatDeploy || len(b.Events) != 0 || len(b.Deploys) != 1 || b.Deploys[0] != want {
		t.Fatalf("parsed %+v\nwant %+v", b, want)
	}

	// An array; "deploy" decides even beside keys of an alert format.
	many := `{"key":"x","status":"firing","Deploy":[{"service":"a","version":"1","start":"2026-12-06T02:05:00Z","status":"started"},
{"service":"b","version":"2","start":"2026-12-06T02:06:00Z","status":"rolled_back"}]}`
	if b, err = Parse("d.json", []byte(many), Limits{}); err != nil || b.Format != FormatDeploy || len(b.Deploys) != 2 || b.Deploys[1].Status != model.DeployRolledBack {
		t.Fatalf("array: %+v, %v", b, err)
	}
}

func TestParseDeployErrors(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`{"deploy":"checkout 2.14"}`, `d.json:1:11: deploy: is not an object`},
		{`{"deploy":[]}`, `d.json:1:11: deploy: is an empty array`},
		{`{"deploy":{"version":"1","start":"2026-12-06T02:05:00Z","status":"started"}}`, `deploy.service: is missing`},
		{`{"deploy":{"service":"a","version":"1","status":"started"}}`, `deploy.start: is missing`},
		{`{"deploy":{"service":"a","version":"1","start":"2026-12-06T02:05:00Z"}}`, `deploy.status: is missing`},
		{"{\"deploy\":[{\"service\":\"a\",\"version\":\"1\",\"start\":\"2026-12-06T02:05:00Z\",\"status\":\"started\"},\n" +
			`{"service":"a","version":"1","start":"2026-12-06T02:05:00Z","status":"ok"}]}`, `d.json:2:70: deploy[1].status: "ok" must be "started"`},
		{`{"deploy":{"service":"a","version":"1","start":"2026-12-06T02:05:00Z","end":"2026-12-06T02:00:00Z","status":"failed"}}`, `deploy.end: "2026-12-06T02:00:00Z" is before the start`},
		{`{"deploy":{"service":"a","version":"1","start":"2026-12-06T02:05:00Z","status":"started","change":"INC-3"}}`, `deploy.change: "INC-3": use CHG-n`},
		{`{"deploy":{"service":"a","version":1,"start":"2026-12-06T02:05:00Z","status":"started"}}`, `deploy.version: is a number, expected a string`},
		{`{"deploy":{"service":"a","service":"b","version":"1","start":"2026-12-06T02:05:00Z","status":"started"}}`, `the key "service" appears twice`},
		{`{"deploy":{"service":"a","version":"` + strings.Repeat("v", 5000) + `","start":"2026-12-06T02:05:00Z","status":"started"}}`, `deploy.version: is 5000 bytes, over the limit of 4096 (MaxLabelLen)`},
	} {
		_, err := Parse("d.json", []byte(tc.body), Limits{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%.80s: %v\nwant %q", tc.body, err, tc.want)
		}
	}
	many := `{"deploy":[` + strings.Repeat(`{"service":"a","version":"1","start":"2026-12-06T02:05:00Z","status":"started"},`, 3)
	if _, err := Parse("d.json", []byte(many[:len(many)-1]+`]}`), Limits{MaxBatch: 2}); err == nil || !strings.Contains(err.Error(), "holds 3 deploys, over the limit of 2 (MaxBatch)") {
		t.Errorf("over MaxBatch: %v", err)
	}
}
