package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	"github.com/hypercare-ops/hypercare/examples"
	"github.com/hypercare-ops/hypercare/plan"
)

const initUsage = `Usage: hypercare init [--plan FILE] [--force]

Writes a starter support plan where the console looks for it (--plan, by
default $XDG_CONFIG_HOME/hypercare/plan.toml): hypercare starting today and
ending four weeks later in this machine's timezone, one service, one team,
you ($USER) as its admin operator with your SSH public key when ~/.ssh has
one, and the SLA targets. Every other section of a support plan is in it,
commented out with a line saying what it does: purpose, scope, objectives
and review, environments, responsibilities, release, budget, referrals,
freezes, jobs, licences, rotas, routes, sources, the change board and the
alert thresholds. It passes 'hypercare plan check'; edit it, and start the
console with 'hypercare'.

Flags:
  --plan FILE   where to write it
  --force       replace a plan that is already there (it is lost)

Exit codes: 0 written, 1 a plan is already there (without --force) or the
file could not be written, 2 usage error.
`

func runInit(g global, args []string, w io.Writer) error {
	var force bool
	fs := g.flags("init")
	fs.BoolVar(&force, "force", false, "")
	words, err := parse(fs, args)
	var ue usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return cmdUsage{usage: initUsage}
	case errors.As(err, &ue):
		return cmdUsage{usage: initUsage, msg: "init: " + ue.msg}
	case len(words) > 0:
		return cmdUsage{usage: initUsage, msg: fmt.Sprintf("init: unexpected %q; give the file with --plan FILE", words[0])}
	}
	if _, err := os.Stat(g.plan); err == nil && !force {
		return fmt.Errorf("init: %s already exists, and init does not overwrite a plan: edit it, write the starter elsewhere with --plan FILE, or replace it with --force (what it holds now is lost)", g.plan)
	}
	p, note, err := writeStarter(g.plan, time.Now())
	if err != nil {
		return err
	}
	if note != "" {
		fmt.Fprintln(w, note)
	}
	fmt.Fprintf(w, "wrote a starter support plan to %s\n", g.plan)
	fmt.Fprint(w, starterSummary(p))
	fmt.Fprintf(w, "Edit it (each section says what it does), then start the console: %s\n", withPlanFlag("hypercare", g.plan))
	return nil
}

// withPlanFlag is a command line, with --plan when the plan is not where
// the console looks by default.
func withPlanFlag(cmd, planPath string) string {
	if planPath == defaults().plan {
		return cmd
	}
	return cmd + " --plan " + planPath
}

// starterSummary says what the starter holds, as plan check would.
func starterSummary(p *plan.Plan) string {
	h := p.Hypercare
	last := h.End.AddDate(0, 0, -1) // end is exclusive
	var b strings.Builder
	fmt.Fprintf(&b, "  hypercare from %s to %s (%s), plan check ok\n", h.Start.Format(time.DateOnly), last.Format(time.DateOnly), h.Timezone)
	for _, op := range p.Operators {
		keys := "no SSH key: the console on this machine only, add keys for hypercare serve"
		if len(op.Keys) > 0 {
			keys = "with your SSH key, for hypercare serve too"
		}
		fmt.Fprintf(&b, "  operator %s (%s), %s\n", op.Name, op.Role, keys)
	}
	return b.String()
}

// starter is what the starter plan is made from.
type starter struct {
	Written, Path         string
	Start, End, FreezeEnd string // TOML dates
	Timezone              string
	User, Email, Key      string
	KeyFile               string // where Key came from
}

// newStarter fills the starter for this machine and user: hypercare from
// today to four weeks on, in the machine's zone.
func newStarter(path string, now time.Time) starter {
	zone := machineZone(os.LookupEnv, "/etc/localtime")
	loc, err := time.LoadLocation(zone)
	if err != nil { // machineZone returns only names that load
		loc = time.UTC
	}
	today := now.In(loc)
	name := localUser()
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	s := starter{
		Written: today.Format(time.DateOnly), Path: path,
		Start:     today.Format(time.DateOnly),
		End:       today.AddDate(0, 0, 27).Format(time.DateOnly), // the last day, included: four weeks
		FreezeEnd: today.AddDate(0, 0, 6).Format(time.DateOnly),
		Timezone:  zone, User: name, Email: name + "@" + host,
	}
	s.KeyFile, s.Key = sshPublicKey()
	return s
}

// render writes the starter plan from examples/starter.toml.
func (s starter) render() ([]byte, error) {
	tmpl, err := template.New("starter.toml").Funcs(template.FuncMap{"q": tomlString}).Parse(examples.Starter)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// checked renders the starter and checks it as the console will load it.
// An SSH key the plan does not take (a damaged .pub file) is left out with
// a note, rather than writing a plan the console refuses.
func (s starter) checked() ([]byte, *plan.Plan, string, error) {
	var note string
	for {
		data, err := s.render()
		if err != nil {
			return nil, nil, "", err
		}
		p, err := plan.Parse(s.Path, data)
		if err == nil {
			return data, p, note, nil
		}
		if s.Key == "" {
			return nil, nil, "", fmt.Errorf("the starter plan does not pass its own check, which is a bug in hypercare: %w", err)
		}
		note = fmt.Sprintf("note: your SSH public key %s was left out (%s); add a key to [[operator]] keys by hand for hypercare serve", s.KeyFile, firstLine(err.Error()))
		s.Key = ""
	}
}

// writeStarter writes the starter plan to path, replacing whatever is
// there, whole: a console watching path reads the old file or the new.
func writeStarter(path string, now time.Time) (*plan.Plan, string, error) {
	data, p, note, err := newStarter(path, now).checked()
	if err != nil {
		return nil, "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, "", fmt.Errorf("write %s: %w", path, err)
	}
	if err := replaceFile(path, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
		return nil, "", fmt.Errorf("write %s: %w", path, err)
	}
	return p, note, nil
}

// tomlString quotes s as a TOML basic string. Names and keys come from the
// environment, so control characters are escaped, not trusted.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\u%04X", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// machineZone is the IANA name of this machine's timezone, or "UTC" when
// it has none: TZ when it is set (as Go's time.Local reads it), else the
// zone /etc/localtime links to. A TZ that is no IANA name (a POSIX rule
// such as "CET-1CEST") gives UTC, as it does for time.Local.
func machineZone(lookupEnv func(string) (string, bool), localtime string) string {
	var name string
	if tz, ok := lookupEnv("TZ"); ok {
		name = strings.TrimPrefix(tz, ":")
	} else if target, err := filepath.EvalSymlinks(localtime); err == nil {
		name = target
	}
	if _, after, ok := strings.Cut(name, "zoneinfo/"); ok {
		name = after
	}
	if name == "" || name == "Local" || strings.HasPrefix(name, "/") {
		return "UTC"
	}
	if _, err := time.LoadLocation(name); err != nil {
		return "UTC"
	}
	return name
}

// localUser is who runs hypercare here, as the console matches operators
// and init names the first one: $USER, else the account's name (a
// container or a service often has no $USER).
func localUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "local"
}

// sshPublicKey is the user's SSH public key file, the one ssh offers
// first, and its first line; "" when there is none.
func sshPublicKey() (file, key string) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", ""
	}
	for _, name := range []string{"id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub"} {
		file = filepath.Join(home, ".ssh", name)
		f, err := os.Open(file)
		if err != nil {
			continue
		}
		line, _ := bufio.NewReader(f).ReadString('\n')
		f.Close()
		if line = strings.TrimSpace(line); line != "" {
			return file, line
		}
	}
	return "", ""
}
