package drops

import (
	"fmt"
	"unicode/utf8"
)

// Limits bound what one drop may hold. A file over MaxBytes is rejected
// whole. Within a file, an alert whose identity is over a limit (too many
// labels, a label name or dedup key too long) is refused on its own, with
// its reason, while the rest of the file is applied; long free text (a
// label value, an annotation, a summary) is cut at its limit with a
// visible marker rather than refused, so the alert still arrives. A zero
// field means its default. FORMATS.md documents the defaults.
type Limits struct {
	MaxBytes    int // size of one file
	MaxLabels   int // labels per alert, and annotations per alert
	MaxLabelLen int // bytes in a label name or an annotation name, or a dedup key; label values are cut here
	MaxTextLen  int // bytes in an annotation value: longer ones are cut
	MaxSummary  int // bytes in an alert's summary line: longer ones are cut
	// MaxBatch is how many alerts of a payload are applied at once, in one
	// transaction: a payload with more is parsed and applied in parts of
	// this size, so that memory stays bounded whatever the payload holds.
	MaxBatch int
}

// DefaultLimits are generous for real senders and small enough that one
// drop cannot exhaust memory. Alertmanager's max_alerts is unlimited by
// default, so there is no limit on alerts per payload: a group of any size
// within MaxBytes is applied.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 16 << 20, MaxLabels: 64, MaxLabelLen: 4096, MaxTextLen: 16 << 10, MaxSummary: 1024, MaxBatch: 2000}
}

func (l Limits) orDefault() Limits {
	def := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = def.MaxBytes
	}
	if l.MaxLabels <= 0 {
		l.MaxLabels = def.MaxLabels
	}
	if l.MaxLabelLen <= 0 {
		l.MaxLabelLen = def.MaxLabelLen
	}
	if l.MaxTextLen <= 0 {
		l.MaxTextLen = def.MaxTextLen
	}
	if l.MaxSummary <= 0 {
		l.MaxSummary = def.MaxSummary
	}
	if l.MaxBatch <= 0 {
		l.MaxBatch = def.MaxBatch
	}
	return l
}

// checkLabels enforces MaxLabels and MaxLabelLen on the names of a label
// set; path is the object the labels come from. Values are cut, not
// refused (cleanMap).
func (d *doc) checkLabels(path string, labels map[string]string) error {
	return d.checkNames(path, "labels", labels)
}

// checkNames enforces MaxLabels and MaxLabelLen on the names of a label or
// annotation set: names are part of what an alert is, so they are never cut.
func (d *doc) checkNames(path, what string, m map[string]string) error {
	if len(m) > d.lim.MaxLabels {
		return d.errField(path, fmt.Sprintf("has %d %s, over the limit of %d (MaxLabels)", len(m), what, d.lim.MaxLabels))
	}
	for k := range m {
		if len(k) > d.lim.MaxLabelLen {
			return d.errField(path, fmt.Sprintf("a name in %s is %d bytes (%s), over the limit of %d (MaxLabelLen)", what, len(k), quote(k), d.lim.MaxLabelLen))
		}
	}
	return nil
}

// cut shortens text over max bytes at a character boundary and says so at
// the end, so nobody mistakes a cut text for the whole of it.
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	end := max
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return fmt.Sprintf("%s…[cut %d bytes]", s[:end], len(s)-end)
}
