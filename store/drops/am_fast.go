package drops

import (
	"strings"

	"github.com/hypercare-ops/hypercare/store/plainjson"
)

// decodeAMAlert decodes one alert of an Alertmanager or Grafana payload,
// the bytes of one element of its alerts array, the way json.Unmarshal
// would, for the alerts nearly every sender sends: an object of the known
// fields, strings without escapes, label and annotation maps of such
// strings. It says false for anything else (an escape, a null, a number
// where a string goes, a key that matches a field only regardless of case,
// a key given twice, Grafana's values), and the caller decodes that alert
// with json.Unmarshal, which also words the error when there is one.
//
// json.Unmarshal checks the whole of its input before decoding it, with
// reflection for every field: that was half of a drop's parsing, which is
// on the way of every drop to the screen. The payload was checked once
// already (json.Valid), so this reads each alert once.
func decodeAMAlert(b []byte, a *amAlert) bool {
	s := string(b) // once: the fields are parts of it
	i := plainjson.SkipSpace(s, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = plainjson.SkipSpace(s, i+1)
	if i < len(b) && b[i] == '}' {
		return plainjson.SkipSpace(s, i+1) == len(b)
	}
	var seen uint32
	for {
		key, next, ok := plainjson.String(s, i)
		if !ok {
			return false
		}
		i = plainjson.SkipSpace(s, next)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = plainjson.SkipSpace(s, i+1)
		field := amFieldOf(key)
		switch {
		case field == amFold:
			return false
		case field >= 0:
			if seen&(1<<field) != 0 {
				return false
			}
			seen |= 1 << field
		}
		switch field {
		case amUnknown:
			if i >= len(b) {
				return false
			}
			i = valueEnd(b, i)
		case amLabels, amAnnotations:
			m, next, ok := plainjson.StringMap(s, i)
			if !ok {
				return false
			}
			if field == amLabels {
				a.Labels = m
			} else {
				a.Annotations = m
			}
			i = next
		case amValues:
			return false
		default:
			v, next, ok := plainjson.String(s, i)
			if !ok {
				return false
			}
			*a.text(field) = v
			i = next
		}
		i = plainjson.SkipSpace(s, i)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = plainjson.SkipSpace(s, i+1)
		case '}':
			return plainjson.SkipSpace(s, i+1) == len(b)
		default:
			return false
		}
	}
}

// The fields of amAlert, as decodeAMAlert tells them apart.
const (
	amFold    = -2 // a known name in other letters' case: json.Unmarshal's to match
	amUnknown = -1
	amStatus  = iota - 2
	amStartsAt
	amEndsAt
	amGeneratorURL
	amFingerprint
	amSilenceURL
	amDashboardURL
	amPanelURL
	amImageURL
	amLabels
	amAnnotations
	amValues
)

var amFieldNames = [...]string{amStatus: "status", amStartsAt: "startsAt", amEndsAt: "endsAt",
	amGeneratorURL: "generatorURL", amFingerprint: "fingerprint", amSilenceURL: "silenceURL",
	amDashboardURL: "dashboardURL", amPanelURL: "panelURL", amImageURL: "imageURL",
	amLabels: "labels", amAnnotations: "annotations", amValues: "values"}

func amFieldOf(key string) int {
	for f, name := range amFieldNames {
		if key == name {
			return f
		}
	}
	for _, name := range amFieldNames {
		if strings.EqualFold(key, name) {
			return amFold
		}
	}
	return amUnknown
}

// text is the string field f of a.
func (a *amAlert) text(f int) *string {
	return [...]*string{amStatus: &a.Status, amStartsAt: &a.StartsAt, amEndsAt: &a.EndsAt,
		amGeneratorURL: &a.GeneratorURL, amFingerprint: &a.Fingerprint, amSilenceURL: &a.SilenceURL,
		amDashboardURL: &a.DashboardURL, amPanelURL: &a.PanelURL, amImageURL: &a.ImageURL}[f]
}
