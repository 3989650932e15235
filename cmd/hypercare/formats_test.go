package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hypercare-ops/hypercare/store/drops"
)

func TestFormatsCommandPrintsTheDoc(t *testing.T) {
	for _, args := range [][]string{{"formats"}, {"help", "formats"}} {
		code, out, errOut := cli(t, args...)
		if code != exitOK || out != drops.FormatsDoc || errOut != "" {
			t.Errorf("%v: exit %d, %d bytes out, stderr %q", args, code, len(out), errOut)
		}
	}
	if code, _, errOut := cli(t, "formats", "alertmanager"); code != exitUsage || !strings.Contains(errOut, "takes no arguments") {
		t.Errorf("formats with an argument: exit %d, %s", code, errOut)
	}
	if _, out, _ := cli(t, "--help"); !strings.Contains(out, "hypercare formats") {
		t.Error("the usage does not name 'hypercare formats'")
	}
}

// TestFormatsDocNamesEveryPath keeps FORMATS.md in step with the receiver:
// every path it serves is documented with a curl example.
func TestFormatsDocNamesEveryPath(t *testing.T) {
	for _, p := range receiverPaths {
		if !strings.Contains(drops.FormatsDoc, "`POST "+p.path+"`") {
			t.Errorf("FORMATS.md does not list POST %s", p.path)
		}
		if !strings.Contains(drops.FormatsDoc, "curl -sS -X POST http://127.0.0.1:9095"+p.path) {
			t.Errorf("FORMATS.md has no curl example for %s", p.path)
		}
	}
}

// TestFormatsDocStatesTheLimits keeps the limits table in step with
// drops.DefaultLimits.
func TestFormatsDocStatesTheLimits(t *testing.T) {
	lim := drops.DefaultLimits()
	for name, n := range map[string]int{"MaxBytes": lim.MaxBytes, "MaxLabels": lim.MaxLabels, "MaxLabelLen": lim.MaxLabelLen,
		"MaxTextLen": lim.MaxTextLen, "MaxSummary": lim.MaxSummary, "MaxBatch": lim.MaxBatch} {
		want := fmt.Sprintf("| `%s` | %s |", name, sizeText(n))
		if name == "MaxLabels" || name == "MaxBatch" {
			want = fmt.Sprintf("| `%s` | %d |", name, n)
		}
		if !strings.Contains(drops.FormatsDoc, want) {
			t.Errorf("FORMATS.md does not say %s", want)
		}
	}
}

func sizeText(n int) string {
	switch {
	case n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
