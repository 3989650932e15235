package store

import (
	"fmt"
	"testing"

	"github.com/hypercare-ops/hypercare/model"
)

func BenchmarkZZUpsert(b *testing.B) {
	db, err := Open(b.Context(), b.TempDir()+"/x.db", Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.ResetTimer()
	for n := 0; n < b.N; n += 10000 {
		db.Write(b.Context(), func(tx model.Tx) error {
			for i := n; i < n+10000 && i < b.N; i++ {
				a := model.Alert{DedupKey: fmt.Sprint("k", i), Name: "HighErrorRate", Severity: 2, State: "resolved", Service: "svc-01",
					Summary: "HighErrorRate on svc-01-3: 42 over threshold", Labels: map[string]string{"alertname": "HighErrorRate", "service": "svc-01", "instance": "svc-01-3", "env": "prod", "team": "core", "cluster": "eu-1"},
					Annotations: map[string]string{"runbook_url": "https://kb.example/higherrorrate"}}
				if _, err := tx.UpsertAlert(&a); err != nil {
					return err
				}
			}
			return nil
		})
	}
}
