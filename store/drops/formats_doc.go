package drops

import _ "embed"

// FormatsDoc is FORMATS.md: every accepted format with its fields, identity,
// order and staleness rules, limits, and the HTTP receiver's paths with an
// example of each. `hypercare formats` prints it, and the errors about a
// payload point there.
//
//go:embed FORMATS.md
var FormatsDoc string
