package drops

import (
	"fmt"
	"strings"
	"testing"
)

// am10k is an Alertmanager payload of 10,000 alerts shaped like real ones:
// six labels, three annotations, a generator URL and a fingerprint.
func am10k() []byte {
	var b strings.Builder
	b.WriteString(`{"receiver":"hypercare","status":"firing","version":"4","groupKey":"{}:{service=\"checkout\"}","truncatedAlerts":0,"alerts":[`)
	for i := range 10000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"status":"firing","labels":{"alertname":"HighErrorRate","service":"checkout","severity":"critical","env":"prod","instance":"checkout-%d:8080","job":"api"},`+
			`"annotations":{"summary":"5xx rate above 5%% for 10m","description":"pod %d serves errors","runbook_url":"https://runbooks.example/checkout/5xx"},`+
			`"startsAt":"2026-11-20T09:14:03.112Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus.example/graph?g0.expr=rate","fingerprint":"%016x"}`, i, i, i)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

func BenchmarkParseAM10k(b *testing.B) {
	data := am10k()
	// Real alerts run to ~520 bytes, so 10,000 of them exceed the default 4 MiB.
	lim := DefaultLimits()
	lim.MaxBytes = 8 << 20
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		batch, err := Parse("am10k.json", data, lim)
		if err != nil || len(batch.Events) != 10000 {
			b.Fatalf("%d events, %v", len(batch.Events), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*10000), "ns/alert")
}
