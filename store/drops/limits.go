package drops

import "fmt"

// Limits bound what one drop may hold. A drop over any limit is rejected
// whole, never cut short, so an operator never sees part of a payload without
// knowing it. A zero field means its default.
type Limits struct {
	MaxBytes    int // size of one file
	MaxAlerts   int // alerts in one payload, or objects in one NDJSON file
	MaxLabels   int // labels per alert, and annotations per alert
	MaxLabelLen int // bytes in a label name or value, an annotation name, or a dedup key
}

// DefaultLimits are generous for real senders (Alertmanager's own default
// for max_alerts is unlimited, but a group of 10,000 is already a storm) and
// small enough that one drop cannot exhaust memory.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 16 << 20, MaxAlerts: 10000, MaxLabels: 64, MaxLabelLen: 4096}
}

func (l Limits) orDefault() Limits {
	def := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = def.MaxBytes
	}
	if l.MaxAlerts <= 0 {
		l.MaxAlerts = def.MaxAlerts
	}
	if l.MaxLabels <= 0 {
		l.MaxLabels = def.MaxLabels
	}
	if l.MaxLabelLen <= 0 {
		l.MaxLabelLen = def.MaxLabelLen
	}
	return l
}

// checkAlerts enforces MaxAlerts on a payload's alert count.
func (d *doc) checkAlerts(path string, n int) error {
	if n > d.lim.MaxAlerts {
		return d.errField(path, fmt.Sprintf("holds %d alerts, over the limit of %d (MaxAlerts): split the payload (Alertmanager: set max_alerts on the webhook receiver)", n, d.lim.MaxAlerts))
	}
	return nil
}

// checkLabels enforces MaxLabels and MaxLabelLen on a label set; path is the
// object the labels come from.
func (d *doc) checkLabels(path string, labels map[string]string) error {
	if err := d.checkNames(path, "labels", labels); err != nil {
		return err
	}
	for k, v := range labels {
		if len(v) > d.lim.MaxLabelLen {
			return d.errField(path, fmt.Sprintf("label %s has a %d-byte value, over the limit of %d (MaxLabelLen): move long text to an annotation", quote(k), len(v), d.lim.MaxLabelLen))
		}
	}
	return nil
}

// checkNames enforces MaxLabels and MaxLabelLen on the names of a label or
// annotation set. Annotation values are free text, bounded only by MaxBytes.
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
