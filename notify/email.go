package notify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	mail "github.com/wneessen/go-mail"

	"github.com/hypercare-ops/hypercare/model"
)

// SMTP is the mail server e-mail goes through, as the plan's [smtp] says.
type SMTP struct {
	Host     string
	Port     int
	From     string
	Username string
	// PasswordEnv names the environment variable with the password.
	PasswordEnv string
	// TLS is "starttls" (required), "tls" (implicit TLS) or "none".
	TLS string
}

func (s Senders) getenv(name string) string {
	if s.Env != nil {
		return s.Env(name)
	}
	return os.Getenv(name)
}

// mail sends one message as a plain-text e-mail: the subject, the text,
// then the fields. Its Message-ID is the idempotency key, so a mail system
// that sees it twice can tell.
func (s Senders) mail(ctx context.Context, to string, n model.Notification) error {
	var cfg SMTP
	if s.SMTP != nil {
		cfg = s.SMTP()
	}
	if cfg.Host == "" {
		return Permanent(errors.New("e-mail: the plan has no [smtp] server; add one (host, from)"))
	}
	m := mail.NewMsg()
	if err := m.From(cfg.From); err != nil {
		return Permanent(fmt.Errorf("e-mail from %q: %w", cfg.From, err))
	}
	if err := m.To(to); err != nil {
		return Permanent(fmt.Errorf("e-mail to %q: %w", to, err))
	}
	m.Subject(n.Subject)
	m.SetMessageIDWithValue(IdempotencyKey(n) + "@hypercare")
	m.SetDate()
	m.SetUserAgent("hypercare")
	m.SetBodyString(mail.TypeTextPlain, mailText(n))

	opts := []mail.Option{mail.WithPort(cfg.Port), mail.WithTimeout(SendTimeout)}
	switch cfg.TLS {
	case "tls":
		opts = append(opts, mail.WithSSL())
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if cfg.Username != "" {
		password := s.getenv(cfg.PasswordEnv)
		if password == "" {
			return Permanent(fmt.Errorf("e-mail: environment variable %s (the [smtp] password_env) is not set in the process that sends", cfg.PasswordEnv))
		}
		auth := mail.SMTPAuthPlain
		if cfg.TLS == "none" {
			// PLAIN without TLS sends the password in the clear: the plan
			// asked for no TLS, so it is the plan's call (a relay on the
			// same host or network).
			auth = mail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, mail.WithSMTPAuth(auth), mail.WithUsername(cfg.Username), mail.WithPassword(password))
	}
	client, err := mail.NewClient(cfg.Host, opts...)
	if err != nil {
		return Permanent(fmt.Errorf("e-mail via %s: %w", cfg.Host, err))
	}
	if err := client.DialAndSendWithContext(ctx, m); err != nil {
		err = fmt.Errorf("e-mail to %s via %s:%d: %w", to, cfg.Host, cfg.Port, err)
		var se *mail.SendError
		if errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500 {
			return Permanent(err) // the server refused it for good (5xx)
		}
		return err
	}
	return nil
}

// mailText is the e-mail's body.
func mailText(n model.Notification) string {
	var b strings.Builder
	b.WriteString(n.Text)
	b.WriteString("\n")
	if len(n.Fields) > 0 {
		b.WriteString("\n")
		for _, f := range n.Fields {
			fmt.Fprintf(&b, "%s: %s\n", f.Name, f.Value)
		}
	}
	fmt.Fprintf(&b, "\n-- \n%s\n", footer(n))
	return b.String()
}
