// Package examples holds the example support plan, embedded so that
// `hypercare --demo` runs without any file next to the binary.
package examples

import _ "embed"

// Plan is examples/plan.toml: the Orion retail platform go-live.
//
//go:embed plan.toml
var Plan []byte
