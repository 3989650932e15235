package ui

import (
	"strings"
	"testing"

	"github.com/muesli/termenv"
)

func TestRenderMarkdownKeepsCodeWhole(t *testing.T) {
	command := "kubectl -n checkout rollout undo deployment/checkout-api --to-revision=42 && kubectl rollout status deployment/checkout-api"
	for _, tc := range []struct{ name, src, want string }{
		{"fenced", "Undo it:\n\n```sh\n" + command + "\n```\n", "    " + command},
		{"tilde fence in a list", "1. Undo it:\n\n   ~~~\n   " + command + "\n   ~~~\n2. Watch.\n", command},
		{"indented", "Undo it:\n\n    " + command + "\n\nThen watch.\n", "    " + command},
		{"tabs expand", "```\n\tkubectl get pods\n```\n", "        kubectl get pods"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := renderMarkdown(tc.src, 80, "notty", termenv.Ascii)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out, tc.want) || strings.Contains(out, codeMark) {
				t.Errorf("want the line %q whole in:\n%s", tc.want, out)
			}
		})
	}
}

func TestRenderMarkdownKeepsHyphenatedWords(t *testing.T) {
	src := strings.Repeat("word ", 14) + "orders-db-failover then more words after it"
	out, err := renderMarkdown(src, 80, "notty", termenv.Ascii)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "orders-db-failover") || strings.Contains(out, "\u2011") {
		t.Errorf("a hyphenated word broke or kept its non-breaking hyphen:\n%s", out)
	}
}

func TestClipLine(t *testing.T) {
	line := "0123456789abcdefghij" // 20 cells
	for _, tc := range []struct {
		x, w int
		want string
	}{
		{0, 30, line},
		{0, 10, "012345678→"},
		{5, 10, "←56789abc→"},
		{15, 10, "←bcdefghij"},
		{40, 10, "←bcdefghij"},
	} {
		if got := clipLine(line, tc.x, tc.w); got != tc.want {
			t.Errorf("clipLine(x=%d, w=%d) = %q, want %q", tc.x, tc.w, got, tc.want)
		}
	}
}

func TestFindRefs(t *testing.T) {
	refs := findRefs([]string{"caused by CHG-2, see KB-14", "INC-3 itself; not XKB-1 nor KB-0"}, "INC-3")
	var got []string
	for _, r := range refs {
		got = append(got, r.text)
	}
	if strings.Join(got, " ") != "CHG-2 KB-14" || refs[1].col != 21 {
		t.Errorf("refs: %+v", refs)
	}
}
