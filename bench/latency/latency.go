// Package latency summarises per-operation timings for the benchmarks, which
// budget percentiles rather than means.
package latency

import (
	"fmt"
	"slices"
	"time"
)

// Sample is a set of observed durations.
type Sample []time.Duration

// Time runs op once and records how long it took.
func (s *Sample) Time(op func() error) error {
	start := time.Now()
	err := op()
	*s = append(*s, time.Since(start))
	return err
}

// Quantile returns the q-th quantile (0 < q ≤ 1) by the nearest-rank method,
// or zero for an empty sample. It sorts the sample in place.
func (s Sample) Quantile(q float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	slices.Sort(s)
	rank := int(q*float64(len(s)) + 0.5)
	return s[min(max(rank, 1), len(s))-1]
}

// Millis expresses d in milliseconds, the unit the budgets use.
func Millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// String is "p50 1.23ms  p99 4.56ms  max 7.89ms".
func (s Sample) String() string {
	return fmt.Sprintf("p50 %7.3fms  p99 %7.3fms  max %7.3fms",
		Millis(s.Quantile(0.50)), Millis(s.Quantile(0.99)), Millis(s.Quantile(1)))
}
