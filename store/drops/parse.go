// Package drops turns the alert payloads dropped into hypercare's drop folder
// (or posted to its HTTP intake, which writes them as drops) into alert events.
//
// Parsing is pure — bytes in, a Batch or a *ParseError out — so the watcher
// can apply a file in one transaction or reject it whole, with a sidecar that
// says what was wrong and where. FORMATS.md describes every accepted format
// and how its fields map onto model.Alert.
package drops

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hypercare-ops/hypercare/model"
)

// Format names. Each is also the Source of the alerts it carries, except
// that a generic event may name its own source.
const (
	FormatAlertmanager = "alertmanager"
	FormatGrafana      = "grafana"
	FormatPagerDuty    = "pagerduty"
	FormatOpsgenie     = "opsgenie"
	FormatGeneric      = "generic"
	// FormatDeploy carries a pipeline's deploys, not alerts.
	FormatDeploy = "deploy"
	// FormatHeartbeat carries scheduled jobs' heartbeats, not alerts.
	FormatHeartbeat = "heartbeat"
)

// Event is one alert state report taken from a payload.
type Event struct {
	// Alert carries DedupKey, Source, Name, Severity, State, Service, Summary,
	// Labels, Annotations, StartsAt and EndsAt; every text is already cleaned.
	// Resolve and acknowledge events from PagerDuty and Opsgenie carry little
	// more than the DedupKey: their senders do not repeat the alert.
	Alert model.Alert
	// Ack acknowledges the alert with this DedupKey (PagerDuty "acknowledge",
	// Opsgenie "acknowledge"); Alert.State is empty and Alert.AckBy is set when
	// the sender names who acknowledged.
	Ack bool
}

// Batch is everything one drop file reported.
type Batch struct {
	Format    string // one of the Format constants
	Events    []Event
	Truncated int    // Alertmanager/Grafana truncatedAlerts: alerts the sender left out
	Group     string // Alertmanager/Grafana groupKey, or ""; used to detect storms
	// Refused are the alerts (Alertmanager and Grafana) or lines (generic
	// NDJSON) that could not be taken, each with its reason; the rest of
	// the drop is applied. A drop with nothing usable is rejected instead.
	Refused []Refusal
	// Deploys are a deploy drop's deploys (FormatDeploy); it has no Events.
	Deploys []model.Deploy
	// Heartbeats are a heartbeat drop's heartbeats (FormatHeartbeat); it
	// has no Events.
	Heartbeats []model.Heartbeat
}

// Refusal is one alert of a drop that was refused while the rest was
// applied: it is broken, or its identity is over a limit.
type Refusal struct {
	Err     *ParseError
	Key     string // its dedup key, when it could be worked out
	Name    string // its alertname, when known
	Service string // its service label, when known
}

const unknownFormat = "not a known alert format: expected Alertmanager, Grafana, PagerDuty, Opsgenie or generic NDJSON, a deploy or a heartbeat (run 'hypercare formats' to see them)"

// Parse detects the format of one drop from its content (name is only used in
// errors) and parses it whole. Every problem is returned as a *ParseError, or
// as a Refusal of the one alert it is in; nothing is silently dropped. A zero
// field in lim means its default.
func Parse(name string, data []byte, lim Limits) (Batch, error) {
	var all Batch
	err := ParseEach(name, data, lim, func(b Batch) error {
		events, refused := append(all.Events, b.Events...), append(all.Refused, b.Refused...)
		all = b
		all.Events, all.Refused = events, refused
		return nil
	})
	if err != nil {
		return Batch{}, err
	}
	return all, nil
}

// ParseEach parses like Parse but hands the drop to emit in parts of at most
// lim.MaxBatch alerts, each with the payload's format, group and truncated
// count, as it goes: a payload of any size is parsed and applied in bounded
// memory. A payload that fits one part is checked whole before emit sees it;
// a payload none of whose alerts can be taken is an error (after the parts
// that carried its refusals, when it had more than one). An error from emit
// stops the parse and is returned as it is.
func ParseEach(name string, data []byte, lim Limits, emit func(Batch) error) error {
	b, err := parseHead(name, data, lim, emit)
	if err != nil || b == nil {
		return err
	}
	return emit(*b)
}

// parseHead detects the format and parses the drop: a payload of many alerts
// goes to emit part by part, and nil is returned; a single event is returned.
func parseHead(name string, data []byte, lim Limits, emit func(Batch) error) (*Batch, error) {
	one := func(b Batch, err error) (*Batch, error) {
		if err != nil {
			return nil, err
		}
		return &b, nil
	}
	d := &doc{file: model.Clean(name, false), all: data, data: data, lim: lim.orDefault()}
	if len(data) > d.lim.MaxBytes {
		return nil, d.errAt(-1, "", fmt.Sprintf("the file is %d bytes, over the limit of %d (MaxBytes): split it into smaller drops", len(data), d.lim.MaxBytes))
	}
	if off, reason := notText(data); off >= 0 {
		return nil, d.errAt(off, "", reason)
	}
	start := skipSpace(data, bomLen(data))
	if start == len(data) {
		return nil, d.errAt(-1, "", "the file is empty: expected a JSON alert payload (run 'hypercare formats' to see the accepted ones)")
	}
	if data[start] != '{' {
		return nil, d.errAt(start, "", notAnObject(data[start:]))
	}
	d = d.sub(start, len(data))

	end, keys := sniff(d.data)
	if end < 0 {
		return nil, d.errSyntax(d.data)
	}
	format, reason := detect(keys)
	if rest := skipSpace(d.data, end); rest < len(d.data) {
		switch {
		case format == FormatGeneric:
			return nil, d.parseNDJSON(newParts(Batch{Format: FormatGeneric}, d.lim.MaxBatch, emit))
		case !json.Valid(d.data[:end]):
			return nil, d.errSyntax(d.data[:end])
		case d.data[rest] != '{':
			return nil, d.errAt(rest, "", fmt.Sprintf("unexpected %s after the end of the JSON object: a drop holds one payload, or one generic object per line", quoteRune(d.data[rest:])))
		case format == "":
			format = "an unknown"
		}
		return nil, d.errAt(0, "", fmt.Sprintf("the file holds more than one JSON object and the first is %s payload: only the generic form may hold one object per line; send other payloads one per file", format))
	}
	d.data = d.data[:end]

	switch format {
	case FormatAlertmanager, FormatGrafana:
		return nil, d.parseAlertmanager(format, keys, emit)
	case FormatPagerDuty, FormatOpsgenie:
		if !json.Valid(d.data) {
			return nil, d.errSyntax(d.data)
		}
		if dups := d.duplicateKeys(); len(dups) > 0 {
			return nil, dups[0].err
		}
		if format == FormatPagerDuty {
			return one(d.parsePagerDuty())
		}
		return one(d.parseOpsgenie(has(keys, "action") && has(keys, "alert")))
	case FormatDeploy, FormatHeartbeat:
		if !json.Valid(d.data) {
			return nil, d.errSyntax(d.data)
		}
		if dups := d.duplicateKeys(); len(dups) > 0 {
			return nil, dups[0].err
		}
		if format == FormatHeartbeat {
			return one(d.parseHeartbeats(keys))
		}
		return one(d.parseDeploys(keys))
	case FormatGeneric:
		ev, err := d.genericEvent()
		if err != nil {
			return nil, err
		}
		return &Batch{Format: FormatGeneric, Events: []Event{ev}}, nil
	}
	if !json.Valid(d.data) {
		return nil, d.errSyntax(d.data)
	}
	if reason == "" {
		reason = unknownFormat + topKeys(keys)
	}
	return nil, d.errAt(0, "", reason)
}

// parts hands a payload's alerts on in parts of at most size, and knows at
// the end whether anything in it was usable. The first part is held back
// until it is full or the payload ends, so a payload that fits one part is
// judged whole before anything of it is applied.
type parts struct {
	head    Batch // format, group, truncated: copied into every part
	size    int
	emit    func(Batch) error
	cur     Batch
	events  int
	first   *ParseError // why the first refused alert was refused
	refused int         // how many were
}

func newParts(head Batch, size int, emit func(Batch) error) *parts {
	p := &parts{head: head, size: size, emit: emit}
	p.cur = head
	return p
}

func (p *parts) add(ev Event) error {
	p.cur.Events = append(p.cur.Events, ev)
	p.events++
	return p.maybeFlush()
}

func (p *parts) refuse(r Refusal) error {
	p.cur.Refused = append(p.cur.Refused, r)
	if p.refused == 0 {
		p.first = r.Err
	}
	p.refused++
	return p.maybeFlush()
}

func (p *parts) maybeFlush() error {
	if len(p.cur.Events)+len(p.cur.Refused) < p.size {
		return nil
	}
	return p.flush()
}

func (p *parts) flush() error {
	if len(p.cur.Events)+len(p.cur.Refused) == 0 {
		return nil
	}
	b := p.cur
	p.cur = p.head
	return p.emit(b)
}

// done emits the last part, or rejects a payload none of whose alerts could
// be taken: there is nothing to apply, so the file goes to rejected/ with
// the first reason.
func (p *parts) done() error {
	if p.events == 0 && p.refused > 0 {
		first := *p.first
		if p.refused > 1 {
			first.Reason += fmt.Sprintf(" (none of its %d alerts could be taken; this is the first)", p.refused)
		}
		return &first
	}
	return p.flush()
}

// sniff reads the top-level keys of the object that starts data, without
// decoding it, so that a 4 MiB payload is not decoded twice. It returns where
// the object ends (-1 if it does not) and the raw value of every top-level
// key by lower-case name, as encoding/json matches names regardless of case.
// It does not validate: the decoding that follows detection does.
func sniff(data []byte) (int, map[string][]byte) {
	keys := make(map[string][]byte, 16)
	depth, valueStart := 0, -1
	var key string
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '"':
			j := i + 1
			for ; j < len(data) && data[j] != '"'; j++ {
				if data[j] == '\\' {
					j++
				}
			}
			if j >= len(data) {
				return -1, nil
			}
			if depth == 1 && valueStart < 0 {
				key = keyName(data[i : j+1])
			}
			i = j
		case '{', '[':
			depth++
		case ':':
			if depth == 1 {
				valueStart = i + 1
			}
		case ',', '}', ']':
			if depth == 1 && valueStart >= 0 {
				keys[key] = bytes.TrimSpace(data[valueStart:i])
				valueStart = -1
			}
			if data[i] != ',' {
				if depth--; depth == 0 {
					return i + 1, keys
				}
			}
		}
	}
	return -1, nil
}

// keyName is a quoted JSON key as lower-case text.
func keyName(quoted []byte) string {
	if bytes.IndexByte(quoted, '\\') >= 0 {
		var s string
		if json.Unmarshal(quoted, &s) == nil {
			return strings.ToLower(s)
		}
	}
	return strings.ToLower(string(quoted[1 : len(quoted)-1]))
}

// has reports whether the top-level key was given with a non-null value.
func has(keys map[string][]byte, name string) bool {
	v, ok := keys[name]
	return ok && string(v) != "null"
}

// detect names the payload's format from its top-level keys, or returns ""
// and, when the payload is close to a known format, a reason more helpful
// than "unknown".
func detect(keys map[string][]byte) (string, string) {
	// No alert format has a top-level "deploy" or "heartbeat": a
	// pipeline's or a scheduler's report is told apart before anything
	// else is tried.
	if has(keys, "deploy") {
		return FormatDeploy, ""
	}
	if has(keys, "heartbeat") {
		return FormatHeartbeat, ""
	}
	// Grafana's webhook is Alertmanager's plus extras and says version "1";
	// orgId is the key only Grafana sends, so it decides when both appear.
	if has(keys, "alerts") {
		version := string(keys["version"]) // raw JSON: "4" the string, not 4 the number
		switch {
		case has(keys, "orgid") || version == `"1"`:
			return FormatGrafana, ""
		case version == `"4"`:
			return FormatAlertmanager, ""
		}
		found := "without a version"
		if version != "" {
			found = "with version " + clean(version, false)
			if len(version) > 40 {
				found = "with an unexpected version"
			}
		}
		return "", "an alerts payload " + found + `: hypercare reads the Alertmanager webhook, version "4", and Grafana's, version "1" with orgId`
	}
	switch {
	case has(keys, "event_action") && (has(keys, "routing_key") || has(keys, "dedup_key")):
		return FormatPagerDuty, ""
	case has(keys, "action") && has(keys, "alert"), has(keys, "message") || has(keys, "alias"):
		return FormatOpsgenie, ""
	case has(keys, "key") || (has(keys, "labels") && has(keys, "status")):
		return FormatGeneric, ""
	}
	return "", ""
}

// topKeys lists the first top-level keys, so that an unknown-format error
// shows what the file does contain.
func topKeys(keys map[string][]byte) string {
	if len(keys) == 0 {
		return ""
	}
	names := slices.Sorted(maps.Keys(keys))
	more := ""
	if len(names) > 8 {
		names, more = names[:8], ", …"
	}
	for i, k := range names {
		names[i] = quote(k)
	}
	return "; its top-level keys are " + strings.Join(names, ", ") + more
}

// notText finds the first byte that cannot be in a JSON text: NUL or invalid
// UTF-8. encoding/json would quietly turn invalid UTF-8 into U+FFFD, and a
// binary file deserves a better message than a syntax error.
func notText(data []byte) (int, string) {
	if utf8.Valid(data) && bytes.IndexByte(data, 0) < 0 {
		return -1, ""
	}
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == 0:
			return i, "binary data (byte 0x00): a drop must be UTF-8 JSON text"
		case r == utf8.RuneError && size == 1:
			return i, fmt.Sprintf("invalid UTF-8 (byte 0x%02x): a drop must be UTF-8 JSON text — is this a binary or UTF-16 file?", data[i])
		}
		i += size
	}
	return -1, ""
}

func notAnObject(rest []byte) string {
	if rest[0] == '[' {
		return "the file holds a JSON array: a drop holds one payload object, or generic NDJSON with one object per line (run 'hypercare formats')"
	}
	return fmt.Sprintf("%s: a payload is a JSON object and starts with '{', found %s", unknownFormat, quoteRune(rest))
}

func bomLen(data []byte) int {
	if bytes.HasPrefix(data, []byte("\uFEFF")) {
		return 3
	}
	return 0
}

// skipSpace returns the index of the first byte at or after i that is not JSON whitespace.
func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}
