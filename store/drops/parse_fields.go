package drops

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// clean is model.Clean with a shortcut: printable ASCII, by far the common
// case, is returned as it is instead of copied, which keeps a 10k-alert
// payload cheap. Clean would return the same text.
func clean(s string, multiline bool) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return model.Clean(s, multiline)
		}
	}
	return s
}

// cleanMap cleans a label (single-line values) or annotation (multiline
// values) map in place, and cuts values over their limit (MaxLabelLen for
// labels, MaxTextLen for annotations). Unlike model.CleanMap it refuses two
// names that become one once cleaned, where CleanMap would keep either at
// random: a label set that changes with map order would change the alert's
// identity.
func (d *doc) cleanMap(path string, m map[string]string, multiline bool) (map[string]string, error) {
	for k, v := range m {
		ck := clean(k, false)
		if strings.TrimSpace(ck) == "" {
			return nil, d.errField(path, fmt.Sprintf("the name %s is empty once control characters are removed", quote(k)))
		}
		if ck != k {
			if _, dup := m[ck]; dup {
				return nil, d.errField(path, fmt.Sprintf("the names %s and %s are the same once control characters are removed", quote(k), quote(ck)))
			}
			delete(m, k)
		}
		limit := d.lim.MaxLabelLen
		if multiline {
			limit = d.lim.MaxTextLen
		}
		m[ck] = cut(clean(v, multiline), limit)
	}
	return m, nil
}

// state reads an alert status, in any letter case.
func (d *doc) state(path, s string) (model.AlertState, error) {
	switch {
	case strings.EqualFold(s, "firing"):
		return model.AlertFiring, nil
	case strings.EqualFold(s, "resolved"):
		return model.AlertResolved, nil
	case s == "":
		return "", d.errField(path, `is missing: use "firing" or "resolved"`)
	}
	return "", d.errField(path, fmt.Sprintf(`%s must be "firing" or "resolved"`, quote(s)))
}

// parseTime reads an RFC 3339 time. Empty and Alertmanager's "0001-01-01T00:00:00Z"
// (a firing alert's endsAt) both mean "no time" and give the zero time.
func (d *doc) parseTime(path, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, d.errField(path, quote(s)+" is not an RFC 3339 time (like 2026-11-20T09:14:03Z)")
	}
	if t.IsZero() {
		return time.Time{}, nil
	}
	return t, nil
}

// dedupKey cleans a sender's dedup key and checks it is usable.
func (d *doc) dedupKey(path, key string) (string, error) {
	if len(key) > d.lim.MaxLabelLen {
		return "", d.errField(path, fmt.Sprintf("is %d bytes, over the limit of %d (MaxLabelLen)", len(key), d.lim.MaxLabelLen))
	}
	k := clean(key, false)
	if strings.TrimSpace(k) == "" {
		return "", d.errField(path, fmt.Sprintf("%s is empty once control characters are removed: a dedup key must be printable", quote(key)))
	}
	return k, nil
}

// Fingerprint is the dedup key of an alert sent without one: Prometheus'
// label-set fingerprint (FNV-1a 64 over the labels sorted by name, each name
// and value followed by 0xff, as 16 lower-case hex digits). It is the very
// value Alertmanager sends as "fingerprint", so an alert keeps its identity
// whether or not a sender includes it, and it does not depend on label order.
func Fingerprint(labels map[string]string) string {
	const (
		offset64  = 14695981039346656037
		prime64   = 1099511628211
		separator = 0xff
	)
	names := make([]string, 0, len(labels))
	for n := range labels {
		names = append(names, n)
	}
	sort.Strings(names)
	h := uint64(offset64)
	add := func(s string) {
		for i := 0; i < len(s); i++ {
			h = (h ^ uint64(s[i])) * prime64
		}
		h = (h ^ separator) * prime64
	}
	for _, n := range names {
		add(n)
		add(labels[n])
	}
	return fmt.Sprintf("%016x", h)
}

// derivedKey is the dedup key of a PagerDuty trigger or Opsgenie alert sent
// without dedup_key/alias. Their labels alone (source, component, …) would
// merge different alerts from one source, so the summary takes part too.
func derivedKey(labels map[string]string, summary string) string {
	m := maps.Clone(labels)
	if m == nil {
		m = map[string]string{}
	}
	m["\x00summary"] = summary // a name no label can have, so it never collides
	return Fingerprint(m)
}

// flatten turns a JSON object of any values into strings: strings as they
// are, anything else as compact JSON. It returns ok=false when raw is not an object.
func flatten(raw json.RawMessage) (map[string]string, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil, false
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = jsonText(v)
	}
	return out, true
}

// jsonText is a JSON value as text: a string's content, or the value's compact JSON.
func jsonText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

// isNull reports whether a raw value is absent or null.
func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// setIfAbsent adds an annotation taken from a payload field unless the
// alert already carries one by that name: the alert's own text wins.
func setIfAbsent(m map[string]string, key, value string) map[string]string {
	if value == "" {
		return m
	}
	if m == nil {
		m = map[string]string{}
	}
	if _, ok := m[key]; !ok {
		m[key] = value
	}
	return m
}

// firstOf returns the first non-empty string.
func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// sortedPairs renders a map as "k=v k=v" in name order, for values that are
// kept as one annotation.
func sortedPairs(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(m[k])
	}
	return b.String()
}
