package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/hypercare-ops/hypercare/store"
	"github.com/hypercare-ops/hypercare/store/pg"
)

const migrateUsage = `Usage: hypercare migrate --from FILE.db --to postgres://…

Copies a hypercare SQLite database into an empty PostgreSQL database, for a
hypercare that outgrows one machine (README: More than one site): every
table, with its ids, the audit log and the counters as they are. The copy is
one transaction: it is all there, every table counted again against the
file, or nothing is. The file is read in one read transaction, so consoles
may go on using it, but what they write after the copy began is not in it:
stop them first, then start them with --db postgres://….

The file is brought up to this hypercare's schema first, as any command
does. The PostgreSQL database may be new (the schema is made) or hold an
empty hypercare schema; one with records in it is refused.

Flags:
  --from FILE   the SQLite database to copy (default: --db)
  --to URL      the PostgreSQL database: postgres://user@host/db, with a
                search_path parameter to pick a schema

Exit codes: 0 copied and counted, 1 a database could not be read or
written, the target is not empty, or a count differs (nothing is kept),
2 usage error.
`

func runMigrate(g global, args []string, w io.Writer) error {
	fs := g.flags("migrate")
	from, to := "", ""
	fs.StringVar(&from, "from", "", "")
	fs.StringVar(&to, "to", "", "")
	words, err := parse(fs, args)
	var ue usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return cmdUsage{usage: migrateUsage}
	case errors.As(err, &ue):
		return cmdUsage{usage: migrateUsage, msg: "migrate: " + ue.msg}
	case len(words) > 0:
		return cmdUsage{usage: migrateUsage, msg: fmt.Sprintf("migrate: unexpected %q; name the databases with --from and --to", words[0])}
	case to == "":
		return cmdUsage{usage: migrateUsage, msg: "migrate: --to postgres://… is required"}
	case !isPostgres(to):
		return cmdUsage{usage: migrateUsage, msg: fmt.Sprintf("migrate: --to %q is not a PostgreSQL URL; it starts postgres://", to)}
	}
	if from == "" {
		from = g.db
	}
	if isPostgres(from) {
		return cmdUsage{usage: migrateUsage, msg: "migrate: --from names the SQLite file to copy, not a PostgreSQL database"}
	}
	if err := dbExists(from); err != nil {
		return err
	}
	ctx := context.Background()
	src, err := store.Open(ctx, from, store.Options{})
	if err != nil {
		return err
	}
	defer src.Close()
	snap, err := src.Snapshot(ctx)
	if err != nil {
		return err
	}
	defer snap.Close()
	dst, err := pg.Open(ctx, to, pg.Options{})
	if err != nil {
		return err
	}
	defer dst.Close()
	copied, err := dst.Import(ctx, snap.SchemaVersion, snap.Tables, snap)
	if err != nil {
		return fmt.Errorf("migrate %s to %s: %w", from, pg.Redact(to), err)
	}
	fmt.Fprintf(w, "%s: copied to %s, schema %d, every table counted again\n", from, pg.Redact(to), pg.SchemaVersion)
	rows := [][2]string{}
	var total int64
	for _, tc := range copied {
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
	fmt.Fprintf(w, "start hypercare with --db %s\n", pg.Redact(to))
	return nil
}
