package drops

import (
	"fmt"
	"strings"

	"github.com/hypercare-ops/hypercare/model"
)

// DeployReport is one deploy as a pipeline reports it, the value (or each
// value of the array) under a deploy drop's top-level "deploy" key
// (FORMATS.md); senders written in Go build drops with it.
type DeployReport struct {
	ID      string `json:"id,omitempty"` // the pipeline's own id for the deploy
	Service string `json:"service"`
	Version string `json:"version"`
	By      string `json:"by,omitempty"`
	Start   string `json:"start"`
	End     string `json:"end,omitempty"`
	Status  string `json:"status"`
	Change  string `json:"change,omitempty"` // CHG-n
	URL     string `json:"url,omitempty"`
}

// parseDeploys reads a deploy drop: {"deploy": {...}} or {"deploy": [...]}.
// Unlike alerts, a deploy drop is taken whole or refused whole: a pipeline
// sends one deploy, or a few that belong together.
func (d *doc) parseDeploys(keys map[string][]byte) (Batch, error) {
	raw := keys["deploy"]
	var reports []DeployReport
	paths := []string{"deploy"}
	switch raw[0] {
	case '{':
		var one DeployReport
		if err := d.topValue(keys, "deploy", &one); err != nil {
			return Batch{}, err
		}
		reports = []DeployReport{one}
	case '[':
		if err := d.topValue(keys, "deploy", &reports); err != nil {
			return Batch{}, err
		}
		paths = make([]string, len(reports))
		for i := range reports {
			paths[i] = fmt.Sprintf("deploy[%d]", i)
		}
	default:
		return Batch{}, d.errField("deploy", "is not an object: give one deploy object, or an array of them")
	}
	switch {
	case len(reports) == 0:
		return Batch{}, d.errField("deploy", "is an empty array: give at least one deploy")
	case len(reports) > d.lim.MaxBatch:
		return Batch{}, d.errField("deploy", fmt.Sprintf("holds %d deploys, over the limit of %d (MaxBatch): split them into several drops", len(reports), d.lim.MaxBatch))
	}
	b := Batch{Format: FormatDeploy, Deploys: make([]model.Deploy, len(reports))}
	for i, r := range reports {
		dep, err := d.deploy(paths[i], r)
		if err != nil {
			return Batch{}, err
		}
		b.Deploys[i] = dep
	}
	return b, nil
}

// deploy checks one report's fields; whether its service is in the plan is
// the service layer's to say.
func (d *doc) deploy(at string, r DeployReport) (model.Deploy, error) {
	dep := model.Deploy{By: cut(clean(r.By, false), d.lim.MaxLabelLen), URL: cut(clean(r.URL, false), d.lim.MaxLabelLen)}
	for _, f := range []struct {
		name, value string
		into        *string
		required    string
	}{
		{"service", r.Service, &dep.Service, "the service from the plan that was deployed"},
		{"version", r.Version, &dep.Version, "what was deployed: a tag, a build number, a commit"},
		{"id", r.ID, &dep.Key, ""},
	} {
		v := strings.TrimSpace(clean(f.value, false))
		switch {
		case len(f.value) > d.lim.MaxLabelLen:
			return dep, d.errField(at+"."+f.name, fmt.Sprintf("is %d bytes, over the limit of %d (MaxLabelLen)", len(f.value), d.lim.MaxLabelLen))
		case v == "" && f.required != "":
			return dep, d.errField(at+"."+f.name, "is missing: give "+f.required)
		}
		*f.into = v
	}
	switch st, err := model.ParseDeployStatus(r.Status); {
	case r.Status == "":
		return dep, d.errField(at+".status", `is missing: use "started", "succeeded", "failed" or "rolled_back"`)
	case err != nil:
		return dep, d.errField(at+".status", quote(r.Status)+` must be "started", "succeeded", "failed" or "rolled_back"`)
	default:
		dep.Status = st
	}
	var err error
	if dep.Start, err = d.parseTime(at+".start", r.Start); err != nil {
		return dep, err
	}
	if dep.Start.IsZero() {
		return dep, d.errField(at+".start", "is missing: give when the deploy began, as an RFC 3339 time (like 2026-11-20T09:14:03Z)")
	}
	if dep.End, err = d.parseTime(at+".end", r.End); err != nil {
		return dep, err
	}
	if !dep.End.IsZero() && dep.End.Before(dep.Start) {
		return dep, d.errField(at+".end", quote(r.End)+" is before the start: the end of a deploy comes after its start")
	}
	if r.Change != "" {
		if dep.Named, err = model.ParseRef(r.Change, "CHG"); err != nil {
			return dep, d.errField(at+".change", clean(err.Error(), false))
		}
	}
	return dep, nil
}
