package main

import (
	"strings"
	"testing"
)

func TestServeNeedsSomethingToServe(t *testing.T) {
	if code, _, errOut := cli(t, "serve", "--ssh", "off"); code != exitUsage || !strings.Contains(errOut, "give --http ADDR") {
		t.Fatalf("serve --ssh off: exit %d, %s", code, errOut)
	}
}
