package pg

import (
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/rowcodec"
)

// The column encodings and row scanners are store/rowcodec's, shared with
// the SQLite store, so that a database copies between the two stores column
// for column: times are unix milliseconds UTC (NULL for the zero time),
// lists and maps JSON text, durations milliseconds. The write path (tx.go,
// upsert.go) and the reads name these by the short names below; NULL for no
// limit is PostgreSQL's own.

func ms(t time.Time) any                       { return rowcodec.Millis(t) }
func jsonMap(m map[string]string) string       { return rowcodec.JSONMap(m) }
func jsonList(l []string) string               { return rowcodec.JSONList(l) }
func nullID(v int64) any                       { return rowcodec.NullID(v) }
func encodeMatchers(ms []model.Matcher) string { return rowcodec.EncodeMatchers(ms) }
func textFilter(s string) (pattern, id any)    { return rowcodec.TextFilter(s) }

func scanIncident(s scanner) (model.Incident, error) { return rowcodec.ScanIncident(s) }
func scanSilence(s scanner) (model.Silence, error)   { return rowcodec.ScanSilence(s) }

// nullInt is rowcodec.NullInt in the composite-literal form the write
// path's scans use (nullInt{&id}).
type nullInt struct{ v *int64 }

func (n nullInt) Scan(src any) error { return rowcodec.NullInt(n.v).Scan(src) }

// limit maps "no limit" (zero or less) to NULL, which LIMIT reads as none.
func limit(n int) any {
	if n <= 0 {
		return nil
	}
	return n
}

func offset(n int) int { return max(n, 0) }
