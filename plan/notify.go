package plan

import (
	"fmt"
	"maps"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// NotifyRule is one [[notify]]: who is told about which events, how.
type NotifyRule struct {
	Name       string   `toml:"name"`
	Events     []string `toml:"events"`               // model.EventKinds
	Priorities []string `toml:"priorities,omitempty"` // P1 … P5; empty: all
	Channel    string   `toml:"channel"`              // webhook, slack, teams or email
	// Targets are webhook URLs or e-mail addresses, or "$NAME": the
	// environment variable NAME holds it (a Slack or Teams URL is a secret).
	Targets  []string `toml:"targets"`
	Attempts int      `toml:"attempts,omitempty"` // deliveries tried before giving up; default 8
	At       string   `toml:"at,omitempty"`       // "HH:MM": when the daily report goes out

	rule model.NotifyRule
}

// SMTP is the mail server e-mail notifications go through.
type SMTP struct {
	Host        string `toml:"host"`
	Port        int    `toml:"port,omitempty"` // default by tls: 587, 465 or 25
	From        string `toml:"from"`
	Username    string `toml:"username,omitempty"`
	PasswordEnv string `toml:"password_env,omitempty"` // the environment variable holding the password
	TLS         string `toml:"tls,omitempty"`          // starttls (default), tls or none
}

// SMTP TLS settings.
const (
	SMTPStartTLS = "starttls"
	SMTPTLS      = "tls"
	SMTPNoTLS    = "none"
)

// Major is the plan's [major] section: the status update cadence per
// priority, and status update templates beside the built-in ones.
type Major struct {
	Cadence   map[string]string `toml:"cadence,omitempty"` // P1 = "30m"
	Templates []Template        `toml:"template,omitempty"`

	policy model.MajorPolicy
}

// Template is one [[major.template]]: a status update with {{.Ref}},
// {{.Title}} and the other model.StatusFields filled in.
type Template struct {
	Name string `toml:"name"`
	Text string `toml:"text"`
}

// NotifyPolicy is who the plan tells about what (model.Policy).
func (p *Plan) NotifyPolicy() model.NotifyPolicy {
	out := model.NotifyPolicy{Rules: make([]model.NotifyRule, len(p.Notify))}
	for i, r := range p.Notify {
		out.Rules[i] = r.rule
	}
	return out
}

// MajorPolicy is how the plan runs major incidents (model.Policy).
func (p *Plan) MajorPolicy() model.MajorPolicy { return p.Major.policy }

// envName is what "$NAME" targets and password_env may name.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func parsePriority(s string) (model.Priority, bool) {
	if len(s) == 2 && (s[0] == 'P' || s[0] == 'p') && s[1] >= '1' && s[1] <= '5' {
		return model.Priority(s[1] - '0'), true
	}
	return 0, false
}

func quoted[T ~string](items []T) string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = fmt.Sprintf("%q", it)
	}
	return strings.Join(out, ", ")
}

func (c *checker) checkNotify(p *Plan) {
	c.index("notify", "name", len(p.Notify), func(i int) string { return p.Notify[i].Name })
	email := false
	for i := range p.Notify {
		r := &p.Notify[i]
		rule := model.NotifyRule{Name: r.Name, Channel: model.Channel(r.Channel), Attempts: r.Attempts}
		if len(r.Events) == 0 {
			c.missing(field("notify", i, "events"), "the events to tell about, such as [\"p1_opened\", \"major_declared\"]; one of "+quoted(model.EventKinds))
		}
		for j, e := range r.Events {
			if !slices.Contains(model.EventKinds, model.EventKind(e)) {
				c.add(fmt.Sprintf("notify[%d].events[%d]", i+1, j+1), "%q is not an event; use %s", e, quoted(model.EventKinds))
				continue
			}
			rule.Events = append(rule.Events, model.EventKind(e))
		}
		for j, pr := range r.Priorities {
			prio, ok := parsePriority(pr)
			if !ok {
				c.add(fmt.Sprintf("notify[%d].priorities[%d]", i+1, j+1), "%q is not a priority; use \"P1\" to \"P5\"", pr)
				continue
			}
			rule.Priorities = append(rule.Priorities, prio)
		}
		switch {
		case r.Channel == "":
			c.missing(field("notify", i, "channel"), "the channel: "+quoted(model.Channels))
		case !slices.Contains(model.Channels, model.Channel(r.Channel)):
			c.add(field("notify", i, "channel"), "%q is not a channel; use %s", r.Channel, quoted(model.Channels))
		}
		email = email || r.Channel == string(model.ChannelEmail)
		if len(r.Targets) == 0 {
			c.missing(field("notify", i, "targets"), "who receives it: webhook URLs, e-mail addresses, or \"$NAME\" for an environment variable holding one")
		}
		for j, t := range r.Targets {
			if msg := targetProblem(model.Channel(r.Channel), t); msg != "" {
				c.add(fmt.Sprintf("notify[%d].targets[%d]", i+1, j+1), "%s", msg)
			}
		}
		rule.Targets = slices.Clone(r.Targets)
		if r.Attempts < 0 || r.Attempts > 50 {
			c.add(field("notify", i, "attempts"), "%d: use 1 to 50, or leave it out for %d", r.Attempts, model.DefaultNotifyAttempts)
		}
		report := slices.Contains(r.Events, string(model.EventDailyReport))
		switch {
		case report && r.At == "":
			c.missing(field("notify", i, "at"), `the time the daily report goes out, such as at = "08:00" (plan timezone)`)
		case report:
			rule.At = c.clock(field("notify", i, "at"), r.At)
		case r.At != "":
			c.add(field("notify", i, "at"), "only the daily_report event goes out at a time; add it to events or remove at")
		}
		r.rule = rule
	}
	c.checkSMTP(p, email)
}

// targetProblem says what is wrong with a target for its channel, "" when
// nothing is.
func targetProblem(ch model.Channel, t string) string {
	if name, ok := strings.CutPrefix(t, "$"); ok {
		if !envName.MatchString(name) {
			return fmt.Sprintf("%q: after $ write an environment variable's name, such as $SLACK_WAR_ROOM_URL", t)
		}
		return ""
	}
	if ch == model.ChannelEmail {
		if a, err := mail.ParseAddress(t); err != nil || a.Address != t {
			return fmt.Sprintf("%q is not an e-mail address; write it bare, such as \"war-room@example.com\"", t)
		}
		return ""
	}
	u, err := url.Parse(t)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Sprintf("%q is not a webhook URL; write it as https://host/path, or \"$NAME\" to read it from an environment variable", t)
	}
	return ""
}

func (c *checker) checkSMTP(p *Plan, needed bool) {
	s := &p.SMTP
	if *s == (SMTP{}) {
		if needed {
			c.missing("smtp", "an [smtp] section (host, from) for the rules whose channel is email")
		}
		return
	}
	if s.Host == "" {
		c.missing("smtp.host", `the mail server's name, such as host = "smtp.example.com"`)
	}
	if s.From == "" {
		c.missing("smtp.from", `the sender's address, such as from = "hypercare@example.com"`)
	} else if _, err := mail.ParseAddress(s.From); err != nil {
		c.add("smtp.from", "%q is not an e-mail address", s.From)
	}
	switch s.TLS {
	case "", SMTPStartTLS, SMTPTLS, SMTPNoTLS:
	default:
		c.add("smtp.tls", "%q: use %q (the default), %q or %q", s.TLS, SMTPStartTLS, SMTPTLS, SMTPNoTLS)
	}
	if s.Port < 0 || s.Port > 65535 {
		c.add("smtp.port", "%d is not a port; use 1 to 65535, or leave it out", s.Port)
	}
	if s.PasswordEnv != "" && !envName.MatchString(s.PasswordEnv) {
		c.add("smtp.password_env", "%q is not an environment variable's name", s.PasswordEnv)
	}
	if (s.Username == "") != (s.PasswordEnv == "") {
		c.add("smtp.username", "give both username and password_env to log in, or neither")
	}
}

// SMTPPort is the port to use: the plan's, else the usual one for its TLS.
func (s SMTP) SMTPPort() int {
	switch {
	case s.Port > 0:
		return s.Port
	case s.TLS == SMTPTLS:
		return 465
	case s.TLS == SMTPNoTLS:
		return 25
	}
	return 587
}

func (c *checker) checkMajor(p *Plan) {
	m := &p.Major
	pol := model.MajorPolicy{Cadence: map[model.Priority]time.Duration{}}
	for _, key := range slices.Sorted(maps.Keys(m.Cadence)) {
		path := "major.cadence." + key
		prio, ok := parsePriority(key)
		if !ok {
			c.add(path, "%q is not a priority; write cadence = { P1 = \"30m\", P2 = \"1h\" }", key)
			continue
		}
		if d := c.duration(path, m.Cadence[key]); d > 0 {
			pol.Cadence[prio] = d
		}
	}
	c.index("major.template", "name", len(m.Templates), func(i int) string { return m.Templates[i].Name })
	for i, t := range m.Templates {
		if strings.TrimSpace(t.Text) == "" {
			c.missing(field("major.template", i, "text"), "the update's text, with fields such as {{.Ref}} and {{.Title}}")
			continue
		}
		st := model.StatusTemplate{Name: t.Name, Text: t.Text}
		if _, err := st.Fill(model.SampleStatusFields); err != nil {
			c.add(field("major.template", i, "text"), "%v; the fields are {{.Ref}}, {{.Title}}, {{.Service}}, {{.Priority}}, {{.State}}, {{.Impact}}, {{.Commander}}, {{.Comms}}, {{.Scribe}}, {{.Declared}}, {{.Duration}}, {{.Next}}, {{.Latest}} and {{.Update}}", err)
			continue
		}
		pol.Templates = append(pol.Templates, st)
	}
	m.policy = pol
}
