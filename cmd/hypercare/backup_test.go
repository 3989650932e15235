package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hypercare-ops/hypercare/store"
)

func TestBackupCommand(t *testing.T) {
	db, planPath := seeded(t) // one incident
	dest := filepath.Join(t.TempDir(), "copy.db")
	code, out, errOut := cli(t, "--db", db, "backup", dest)
	if code != exitOK {
		t.Fatalf("backup: exit %d\n%s%s", code, out, errOut)
	}
	head := fmt.Sprintf("%s: ", dest)
	if !strings.HasPrefix(out, head) || !strings.Contains(out, fmt.Sprintf("schema %d, integrity ok", store.SchemaVersion)) {
		t.Errorf("backup says:\n%s", out)
	}
	for _, want := range []string{`(?m)^  incidents +1$`, `(?m)^  audit +\d+$`, `(?m)^  records in all +[\d,]+$`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("backup output lacks %s:\n%s", want, out)
		}
	}
	// The copy is a database the CLI reads like the original.
	if code, out, _ := cli(t, "--db", dest, "--plan", planPath, "list", "incidents"); code != exitOK || !strings.Contains(out, "Checkout red 502s") {
		t.Errorf("list on the copy: exit %d\n%s", code, out)
	}

	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--db", db, "backup", dest}, exitRejected, "already exists; pick another name or delete it"},
		{[]string{"--db", filepath.Join(t.TempDir(), "none.db"), "backup", filepath.Join(t.TempDir(), "x.db")}, exitRejected, "no database at"},
		{[]string{"--db", db, "backup", filepath.Join(t.TempDir(), "missing", "x.db")}, exitRejected, "backup to"},
		{[]string{"--db", db, "backup"}, exitUsage, "name the one FILE"},
		{[]string{"--db", db, "backup", "a.db", "b.db"}, exitUsage, "name the one FILE"},
		{[]string{"backup", "--help"}, exitOK, "Usage: hypercare backup FILE"},
	} {
		code, out, errOut := cli(t, tt.args...)
		if code != tt.code || !strings.Contains(out+errOut, tt.want) {
			t.Errorf("%v: exit %d\n%s%s\nwant exit %d and %q", tt.args, code, out, errOut, tt.code, tt.want)
		}
	}
}
