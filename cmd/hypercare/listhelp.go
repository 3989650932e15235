package main

// The read commands' own help: 'hypercare list --help' and the like.

const listUsage = `Usage: hypercare list KIND [--format text|json] [--filter TEXT] [--limit N] [--all]

Lists records as a table (or JSON, one array), newest or most pressing first:
  incidents      the open queue, most pressing first; --all: closed ones too
  alerts         the firing alerts, a storm as one row; --all: resolved ones too;
                 --storm ID: one storm's members
  changes        from a week ago on; --all: every change
  articles       the knowledge base by title; --filter searches it (full text)
  services       the service catalogue, with what each needs and what needs it
  problems       the open problems; --all: closed ones too
  licences       licences and certificates: expiry, warning due, renewal, usage
  notifications  the outbox; --filter a state (failed, sent…) or INC-n
  jobs           the plan's jobs with their newest runs
  audit          who changed what, newest first

Flags:
  --filter TEXT  the console's filter terms, every one must hold
                 (incidents: p1…p5, service=x, is:risk…; alerts: words,
                 label=value, is:acked…; see the README's keys table)
  --limit N      at most N rows (default 50); the table says when more were left out
  --all          as above, per kind
  --format json  one JSON array (--json says the same)
  --db, --plan as for every command (hypercare --help)
`

const showUsage = `Usage: hypercare show KIND ID [--format text|json]

Shows one record in full:
  incident INC-n | REQ-n | n     with its timeline, links, alerts and SLA clocks
  alert ALR-n | n                with its labels and annotations
  change CHG-n | n               with who still has to approve it, and its conflicts
  article KB-n | n               as in force, with its body
  problem PRB-n | n              with its RCA actions and linked incidents
  service NAME                   its impact if down, and what is open on it and
                                 on what it needs
The other kinds (audit, licences, notifications, jobs) are read with 'hypercare list'.

Flags:
  --format json  the record as JSON (--json says the same)
  --db, --plan as for every command (hypercare --help)
`

const versionUsage = `Usage: hypercare version

Prints hypercare's version and the database schema it writes. A database
written by a newer hypercare (a higher schema) is refused, never changed.
`
