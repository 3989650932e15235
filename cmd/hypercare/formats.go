package main

import (
	"io"

	"github.com/hypercare-ops/hypercare/store/drops"
)

// runFormats prints FORMATS.md, which the errors about a payload point to.
func runFormats(args []string, w io.Writer) error {
	if len(args) > 0 && !isHelp(args[0]) { // the formats are the help
		return usagef("formats: unexpected %q; it takes no arguments", args[0])
	}
	_, err := io.WriteString(w, drops.FormatsDoc)
	return err
}
