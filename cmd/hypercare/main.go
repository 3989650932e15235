// Command hypercare is the operations console for the weeks after a go-live.
// main wires flags, paths, the store, the plan and the console; the rules
// live in model/ and the screens in ui/.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
)

// Exit codes are part of the CLI contract for scripts.
const (
	exitOK       = 0
	exitRejected = 1 // bad input, refused action, failed check
	exitUsage    = 2
)

// version, when set at build time with -ldflags "-X main.version=…", names
// the release; otherwise the build's own record says what was built.
var version = ""

// versionText is the release, or what the build recorded of itself: the
// module version, the commit the binary was built from and its time (with
// "modified" when the work tree had changes), and the Go it was built with.
func versionText() string {
	bi, ok := debug.ReadBuildInfo()
	return versionFrom(version, bi, ok)
}

// versionFrom is versionText from a release name and a build record.
func versionFrom(release string, bi *debug.BuildInfo, ok bool) string {
	if release != "" {
		return release
	}
	if !ok || bi == nil {
		return "unknown build (no build information in the binary)"
	}
	out := bi.Main.Version
	if out == "" {
		out = "(devel)" // a test binary records no module version
	}
	var rev, at, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", modified"
			}
		}
	}
	if rev != "" {
		out += fmt.Sprintf(" (commit %.12s, %s%s)", rev, at, modified)
	}
	if bi.GoVersion != "" {
		out += ", built with " + bi.GoVersion
	}
	return out
}

// usageError is a command line that cannot be run: main prints what is
// wrong on one line, with where the help is, and exits 2.
type usageError struct {
	msg string
	cmd string // the command whose --help to see: "list", "incident ack"; "" for the whole help
}

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{msg: fmt.Sprintf(format, args...)} }

// cmdUsage is a command's own usage text: printed alone for --help (exit
// 0); with msg, a usage error like usageError's (exit 2).
type cmdUsage struct {
	usage, msg string
	cmd        string // as in usageError; set by dispatch when empty
}

func (e cmdUsage) Error() string {
	if e.msg == "" {
		return "help requested"
	}
	return e.msg
}

const usageText = `hypercare — the operations console for the weeks after a go-live

Usage:
  hypercare [flags]                       open the console; with no plan yet, it offers to
                                          write a starter plan (on a terminal; else exit 1)
  hypercare init [--plan FILE] [--force]  write a commented starter plan where the console
                                          finds it: today for four weeks, one service, one
                                          team, you as admin, SLAs; refuses to overwrite
  hypercare --demo [--keep DIR]           console on a temporary demo database with live alerts;
                                          it says where its database is when it starts and ends
                                          (--keep DIR keeps the demo's database, plan and drops)
  hypercare list KIND [--format text|json] [--filter TEXT] [--limit N] [--all]
                                          --filter: the console's terms, all must hold;
                                          alerts: --storm ID lists one storm's members;
                                          licences: expiry, warning due, renewal, usage;
                                          notifications: --filter a state (failed…) or INC-n
  hypercare show KIND ID [--format text|json]
                                          show service NAME: its impact if down and what
                                          is open on it and on what it needs
  hypercare audit [--since 24h] [--filter TEXT] [--json]   who changed what
  hypercare silence ACTION ...            list, add MATCHERS --for 2h --comment WHY, extend SIL-n
                                          --by 2h or expire SIL-n (hypercare silence help)
  hypercare ingest FILE... [--json]       apply drop files now (exit 1 if any is rejected)
  hypercare incident ACTION ...           open, ack, assign, note, hold, resume, resolve, close,
                                          reopen, cancel, escalate or re-prioritise an incident;
                                          major, roles, update and stand-down run a major incident
                                          (hypercare incident --help lists them)
  hypercare change ACTION ...             new, edit, submit, approve, reject, schedule, start,
                                          complete, cancel or close a change; slot finds the next
                                          free time (hypercare change --help lists them)
  hypercare kb ACTION ...                 import DIR or export DIR (Markdown with front matter),
                                          history, diff, restore, submit, review, reject, publish,
                                          retire or read an article; training shows who read what
                                          (hypercare kb help lists them)
  hypercare job report JOB --status started|ok|failed [--duration D] [--run ID] [--size N]
                                          a scheduled job's run, from a script: its heartbeat
                                          (hypercare job help)
  hypercare report [--since 24h] [--format md|json]
                                          MTTA, MTTR, SLA attainment, backlog flow, reopen rate,
                                          recurrence, CSAT and the plan's exit criteria
  hypercare export changes [--format ics|json] [--since 30d] [--until 90d] [--out FILE]
                                          the changes and the plan's freezes as a calendar
                                          that calendar apps import (RFC 5545), or as JSON
  hypercare export all [--out FILE]       every record of every table as one JSON document
                                          (also: export --format json), read consistently
  hypercare backup FILE                   a consistent copy of the database while it is in
                                          use, checked (integrity, schema, record counts)
                                          before it is put at FILE; FILE must not exist
  hypercare prune [--dry-run] [--archive DIR]
                                          archive, then remove, what is older than the
                                          plan's [retention]: resolved alerts, their history,
                                          audit entries (serve and the console do it hourly)
  hypercare migrate --from FILE.db --to postgres://…
                                          copy a SQLite database into an empty PostgreSQL one
                                          (every table, ids and audit kept, counts checked)
  hypercare serve [--ssh ADDR] [--http ADDR]
                                          consoles over SSH (default 127.0.0.1:2222, "off" for
                                          none), the drop folder, and with --http alert webhooks
                                          at POST /alerts/<format> (see hypercare formats); with
                                          --ssh off and no --http, the drop folder alone
  hypercare oncall [--at 2026-12-24T20:00] [--json]
                                          who is on call on each rota of the plan, until when,
                                          and who is next
  hypercare plan check FILE               validate a plan.toml (exit 1 on problems)
  hypercare plan show [FILE] [--format text|md]
                                          the whole support plan as a document
  hypercare cert check HOST:PORT [--service S] [--name N]
                                          read an endpoint's TLS certificate and watch its
                                          expiry like a licence
  hypercare formats                       the alert, deploy and heartbeat formats taken from the
                                          drop folder and over HTTP: fields, rules, limits, paths
  hypercare version                       the build: module version, commit and its time, the Go
                                          it was built with, and the database schema

KIND is one of: incidents, alerts, changes, articles, services, audit, problems, licences, jobs,
notifications (the outbox: what was sent to whom, what waits, what failed).
(--json is --format json.)

Flags (every command):
  --db PATH       database file        (default $XDG_DATA_HOME/hypercare/hypercare.db),
                  or a PostgreSQL URL, postgres://user@host/db, shared by several hypercares
  --drops DIR     alert drop folder    (default $XDG_DATA_HOME/hypercare/drops)
  --plan FILE     support plan         (default $XDG_CONFIG_HOME/hypercare/plan.toml)
  --config FILE   console settings     (default $XDG_CONFIG_HOME/hypercare/config.toml)
  --as NAME       act as this operator from the plan (default: $USER)
  --plain         monochrome screen (also when NO_COLOR is set)
  --wall          wall screen: read-only, largest grid, big header
  --rotate 30s    with --wall: zoom each pane in turn for this long

Exit codes: 0 ok, 1 rejected input or failed check, 2 usage error (one line saying what
is wrong; 'hypercare COMMAND --help' shows that command's help).
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	return runWith(args, os.Stdin, stdout, stderr)
}

// runWith is run with the input a command such as "incident note --text -"
// reads from.
func runWith(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	err := dispatch(args, stdin, stdout, stderr)
	var ue usageError
	var cu cmdUsage
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &cu) && cu.msg == "":
		fmt.Fprint(stdout, cu.usage)
		return exitOK
	case errors.As(err, &cu):
		fmt.Fprintln(stderr, usageLine(cu.msg, cu.cmd))
		return exitUsage
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, usageText)
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, usageLine(ue.msg, ue.cmd))
		return exitUsage
	default:
		fmt.Fprintf(stderr, "hypercare: %s\n", err)
		return exitRejected
	}
}

// usageLine is a usage error as printed: what is wrong and where the help
// is, on one line — not thirty lines of help between the error and the
// prompt.
func usageLine(msg, cmd string) string {
	msg = strings.Join(strings.Fields(msg), " ")
	help := "hypercare --help"
	if cmd != "" {
		help = "hypercare " + cmd + " --help"
	}
	return fmt.Sprintf("hypercare: %s; see '%s'", msg, help)
}

// forCommand names cmd as the command whose help a usage error points to,
// unless the error names a more precise one ("incident ack").
func forCommand(err error, cmd string) error {
	var ue usageError
	var cu cmdUsage
	switch {
	case errors.As(err, &cu) && cu.cmd == "":
		cu.cmd = cmd
		return cu
	case errors.As(err, &ue) && ue.cmd == "":
		ue.cmd = cmd
		return ue
	}
	return err
}

func dispatch(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	// The command word is the first argument that is not a global flag.
	g := defaults()
	fs := g.flags("hypercare")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{msg: err.Error()}
	}
	rest := fs.Args()
	if len(rest) == 0 {
		g.finish()
		return runConsole(g)
	}
	cmd, args := rest[0], rest[1:]
	err := runCommand(g, cmd, args, stdin, stdout, stderr)
	if errors.Is(err, errUnknownCommand) {
		return usagef("unknown command %q", cmd)
	}
	return forCommand(err, cmd)
}

// isHelp reports whether a command's first word asks for its help.
func isHelp(word string) bool {
	switch word {
	case "help", "-h", "-help", "--help":
		return true
	}
	return false
}

// errUnknownCommand is runCommand's answer to a word that is no command.
var errUnknownCommand = errors.New("unknown command")

func runCommand(g global, cmd string, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	switch cmd {
	case "version":
		switch {
		case len(args) > 0 && isHelp(args[0]):
			return cmdUsage{usage: versionUsage}
		case len(args) > 0:
			return usagef("version: unexpected %q; it takes no arguments", args[0])
		}
		fmt.Fprintf(stdout, "hypercare %s, database schema %d\n", versionText(), schemaVersion())
		return nil
	case "help":
		if len(args) > 0 && args[0] == "formats" {
			return runFormats(args[1:], stdout)
		}
		return flag.ErrHelp
	case "formats":
		return runFormats(args, stdout)
	case "list":
		return runList(g, args, stdout, stderr)
	case "show":
		return runShow(g, args, stdout)
	case "audit":
		return runAudit(g, args, stdout)
	case "ingest":
		return runIngest(g, args, stdout)
	case "change":
		return runChange(g, args, stdin, stdout)
	case "kb":
		return runKB(g, args, stdout)
	case "job":
		return runJob(g, args, stdout)
	case "silence":
		return runSilence(g, args, stdout)
	case "incident":
		return runIncident(g, args, stdin, stdout)
	case "report":
		return runReport(g, args, stdout)
	case "export":
		return runExport(g, args, stdout)
	case "backup":
		return runBackup(g, args, stdout)
	case "prune":
		return runPrune(g, args, stdout)
	case "migrate":
		return runMigrate(g, args, stdout)
	case "init":
		return runInit(g, args, stdout)
	case "serve":
		return runServe(g, args, stdout)
	case "oncall":
		return runOnCall(g, args, stdout)
	case "plan":
		return runPlan(g, args, stdout)
	case "cert":
		return runCert(g, args, stdout)
	}
	return errUnknownCommand
}
