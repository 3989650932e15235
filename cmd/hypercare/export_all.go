package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// exportAll writes every record of the database as one JSON document:
//
//	{"schema_version":10,"exported_at":"…","tables":{
//	"alerts":[
//	{"id":1,"dedup_key":"…",…},
//	…
//	],
//	…
//	}}
//
// All of it comes from one read transaction, so it is as consistent as a
// backup, and it is streamed a row at a time, so a million alerts cost the
// memory of one. A row is a line, for tools that read line by line. Values
// are as stored: times are unix milliseconds UTC, labels and lists JSON
// text, flags 0 or 1.
func exportAll(ctx context.Context, db database, w io.Writer, now time.Time) error {
	snap, err := db.snapshot(ctx)
	if err != nil {
		return err
	}
	defer snap.Close()
	bw := bufio.NewWriterSize(w, 64<<10)
	stamp, _ := json.Marshal(now.UTC().Format(time.RFC3339))
	fmt.Fprintf(bw, `{"schema_version":%d,"exported_at":%s,"tables":{`, snap.SchemaVersion, stamp)
	var keys [][]byte // each column's name, quoted, for the table being written
	for i, table := range snap.Tables {
		if i > 0 {
			bw.WriteByte(',')
		}
		name, _ := json.Marshal(table)
		fmt.Fprintf(bw, "\n%s:[", name)
		first := true
		keys = keys[:0]
		err := snap.Rows(ctx, table, func(cols []string, values []any) error {
			if len(keys) == 0 {
				for _, c := range cols {
					k, _ := json.Marshal(c)
					keys = append(keys, k)
				}
			}
			if !first {
				bw.WriteByte(',')
			}
			first = false
			bw.WriteString("\n{")
			for j, v := range values {
				if j > 0 {
					bw.WriteByte(',')
				}
				bw.Write(keys[j])
				bw.WriteByte(':')
				b, err := json.Marshal(v) // []byte becomes base64, nil null
				if err != nil {
					return fmt.Errorf("%s.%s: %w", table, cols[j], err)
				}
				bw.Write(b)
			}
			return bw.WriteByte('}') // the writer's first error: stop reading when stdout is gone
		})
		if err != nil {
			return err
		}
		if !first {
			bw.WriteByte('\n')
		}
		bw.WriteByte(']')
	}
	bw.WriteString("\n}}\n")
	return bw.Flush()
}
