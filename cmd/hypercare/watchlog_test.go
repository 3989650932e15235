package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// In serve, a drop applied with alerts refused, or rejected, is logged with
// its first reason, so whoever reads the service's log sees it.
func TestServeLogsRefusedAlerts(t *testing.T) {
	ctx, a := openSeeded(t)
	ctx, cancel := context.WithCancel(ctx)
	lines := make(chan string, 16)
	dir := t.TempDir()
	_, stopped, err := watchDrops(ctx, a, dir, func(format string, args ...any) {
		select {
		case lines <- fmt.Sprintf(format, args...):
		default:
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); stopped() }) // before the database closes
	drop := func(name, body string) {
		tmp := filepath.Join(dir, "."+name+".tmp")
		if err := os.WriteFile(tmp, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	wait := func(want string) {
		t.Helper()
		for {
			select {
			case line := <-lines:
				if strings.Contains(line, want) {
					return
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("no log line %q", want)
			}
		}
	}
	drop("mixed.ndjson", `{"key":"a","status":"firing"}`+"\n"+`{"key":"b","status":"sideways"}`+"\n")
	wait(`drops: mixed.ndjson applied, 1 alert(s) refused (see processed/mixed.ndjson.error); first: mixed.ndjson:2:21: status: "sideways" must be`)
	drop("broken.json", `{"version":"4","alerts":[`)
	wait("drops: broken.json rejected, moved to rejected/broken.json: broken.json:1:26: the JSON ends before it is complete")
}
