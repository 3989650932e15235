package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/dustin/go-humanize"

	"github.com/hypercare-ops/hypercare/store"
	"github.com/hypercare-ops/hypercare/store/pg"
)

const backupUsage = `Usage: hypercare backup FILE

A consistent copy of the database, taken while consoles, serve and scripts
go on using it: every transaction is in the copy whole or not at all, and
nobody waits for the copy. It is written beside FILE under a temporary name,
opened and checked (SQLite's integrity check), and only then renamed to
FILE, so FILE is a sound backup or nothing. The database itself is only
read, not even upgraded to this hypercare's schema. Prints the copy's size,
schema version and how many records each table holds.

Restore by stopping hypercare and putting the copy in place of the
database (--db), or start a console on the copy with --db FILE.

Flags:
  --db PATH   the database to copy

Exit codes: 0 copied and checked, 1 no database, FILE already exists (pick
another name or delete it), or the copy could not be written or failed its
check (nothing is left at FILE), 2 usage error.
`

func runBackup(g global, args []string, w io.Writer) error {
	fs := g.flags("backup")
	words, err := parse(fs, args)
	var ue usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return cmdUsage{usage: backupUsage}
	case errors.As(err, &ue):
		return cmdUsage{usage: backupUsage, msg: "backup: " + ue.msg}
	case len(words) != 1:
		return cmdUsage{usage: backupUsage, msg: "backup: name the one FILE to write the copy to"}
	}
	if isPostgres(g.db) {
		return fmt.Errorf("backup: %s is a PostgreSQL database; back it up the PostgreSQL way (pg_dump, or the server's own backups) — hypercare backup copies a SQLite file", pg.Redact(g.db))
	}
	if err := dbExists(g.db); err != nil {
		return err
	}
	info, err := store.BackupFile(context.Background(), g.db, words[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: %s, schema %d, integrity ok\n", info.Path, humanize.Bytes(uint64(info.Size)), info.SchemaVersion)
	// Names left, counts right-aligned under each other.
	rows := [][2]string{}
	var total int64
	for _, tc := range info.Tables {
		rows = append(rows, [2]string{tc.Name, thousands(int(tc.Rows))})
		total += tc.Rows
	}
	rows = append(rows, [2]string{"records in all", thousands(int(total))})
	nameW, countW := 0, 0
	for _, r := range rows {
		nameW, countW = max(nameW, len(r[0])), max(countW, len(r[1]))
	}
	for _, r := range rows {
		fmt.Fprintf(w, "  %-*s  %*s\n", nameW, r[0], countW, r[1])
	}
	return nil
}
