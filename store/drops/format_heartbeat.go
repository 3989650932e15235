package drops

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// HeartbeatReport is one heartbeat of a scheduled job's run, the value (or
// each value of the array) under a heartbeat drop's top-level "heartbeat"
// key (FORMATS.md); senders written in Go build drops with it.
type HeartbeatReport struct {
	Job    string `json:"job"`
	Run    string `json:"run,omitempty"` // the scheduler's id for the run
	Status string `json:"status"`        // started, ok or failed
	At     string `json:"at,omitempty"`  // RFC 3339; when received if empty
	// Duration is how long the run took: a Go duration ("41m12s") or a
	// number of seconds.
	Duration json.RawMessage `json:"duration,omitempty"`
	Size     *int64          `json:"size,omitempty"` // bytes written
	Message  string          `json:"message,omitempty"`
}

// parseHeartbeats reads a heartbeat drop: {"heartbeat": {...}} or
// {"heartbeat": [...]}, taken whole or refused whole like a deploy drop.
func (d *doc) parseHeartbeats(keys map[string][]byte) (Batch, error) {
	raw := keys["heartbeat"]
	var reports []HeartbeatReport
	paths := []string{"heartbeat"}
	switch raw[0] {
	case '{':
		var one HeartbeatReport
		if err := d.topValue(keys, "heartbeat", &one); err != nil {
			return Batch{}, err
		}
		reports = []HeartbeatReport{one}
	case '[':
		if err := d.topValue(keys, "heartbeat", &reports); err != nil {
			return Batch{}, err
		}
		paths = make([]string, len(reports))
		for i := range reports {
			paths[i] = fmt.Sprintf("heartbeat[%d]", i)
		}
	default:
		return Batch{}, d.errField("heartbeat", "is not an object: give one heartbeat object, or an array of them")
	}
	switch {
	case len(reports) == 0:
		return Batch{}, d.errField("heartbeat", "is an empty array: give at least one heartbeat")
	case len(reports) > d.lim.MaxBatch:
		return Batch{}, d.errField("heartbeat", fmt.Sprintf("holds %d heartbeats, over the limit of %d (MaxBatch): split them into several drops", len(reports), d.lim.MaxBatch))
	}
	b := Batch{Format: FormatHeartbeat, Heartbeats: make([]model.Heartbeat, len(reports))}
	for i, r := range reports {
		hb, err := d.heartbeat(paths[i], r)
		if err != nil {
			return Batch{}, err
		}
		b.Heartbeats[i] = hb
	}
	return b, nil
}

// heartbeat checks one report's fields; whether its job is in the plan is
// the service layer's to say.
func (d *doc) heartbeat(at string, r HeartbeatReport) (model.Heartbeat, error) {
	hb := model.Heartbeat{Message: cut(clean(r.Message, false), d.lim.MaxLabelLen)}
	for _, f := range []struct {
		name, value string
		into        *string
	}{{"job", r.Job, &hb.Job}, {"run", r.Run, &hb.Run}} {
		if len(f.value) > d.lim.MaxLabelLen {
			return hb, d.errField(at+"."+f.name, fmt.Sprintf("is %d bytes, over the limit of %d (MaxLabelLen)", len(f.value), d.lim.MaxLabelLen))
		}
		*f.into = strings.TrimSpace(clean(f.value, false))
	}
	if hb.Job == "" {
		return hb, d.errField(at+".job", "is missing: give the job's id from the plan's [[job]]")
	}
	switch st, err := model.ParseHeartbeatStatus(r.Status); {
	case r.Status == "":
		return hb, d.errField(at+".status", `is missing: use "started", "ok" or "failed"`)
	case err != nil:
		return hb, d.errField(at+".status", quote(r.Status)+` must be "started", "ok" or "failed"`)
	default:
		hb.Status = st
	}
	var err error
	if hb.At, err = d.parseTime(at+".at", r.At); err != nil {
		return hb, err
	}
	if hb.Duration, err = d.duration(at+".duration", r.Duration); err != nil {
		return hb, err
	}
	if r.Size != nil {
		if *r.Size < 0 {
			return hb, d.errField(at+".size", fmt.Sprintf("%d is negative: give the bytes the run wrote", *r.Size))
		}
		hb.Size = *r.Size
	}
	return hb, nil
}

// duration reads a Go duration string or a number of seconds.
func (d *doc) duration(path string, raw json.RawMessage) (time.Duration, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	bad := d.errField(path, quote(string(raw))+` is not a duration: give seconds (2472) or a duration such as "41m12s"`)
	var out time.Duration
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, bad
		}
		v, err := time.ParseDuration(s)
		if err != nil {
			return 0, bad
		}
		out = v
	} else {
		var secs float64
		if json.Unmarshal(raw, &secs) != nil || secs > math.MaxInt64/float64(time.Second) {
			return 0, bad
		}
		out = time.Duration(secs * float64(time.Second))
	}
	if out < 0 {
		return 0, d.errField(path, quote(string(raw))+" is negative: give how long the run took")
	}
	return out, nil
}
