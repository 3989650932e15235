// Package examples holds the example support plan, embedded so that
// `hypercare --demo` runs without any file next to the binary, and the
// starter plan `hypercare init` writes.
package examples

import _ "embed"

// Plan is examples/plan.toml: the Orion retail platform go-live.
//
//go:embed plan.toml
var Plan []byte

// Starter is examples/starter.toml, a text/template of the plan a first
// run writes: one service, one team, the operator who runs it and the SLA
// targets, with every other section commented out. Its fields: .Written,
// .Path, .Start, .End, .FreezeEnd (TOML dates), .Timezone, .User, .Email,
// .Key (may be empty); q quotes a TOML string.
//
//go:embed starter.toml
var Starter string
