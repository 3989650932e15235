package notify

import (
	"errors"
	"io"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/hypercare-ops/hypercare/model"
)

// mailServer is a real SMTP server in the test process (emersion/go-smtp)
// that takes PLAIN logins with one password and keeps what it is sent.
type mailServer struct {
	mu       sync.Mutex
	password string
	refuse   bool // answer every recipient 550
	mails    []received
	addr     *net.TCPAddr
}

type received struct {
	from string
	to   []string
	data string
}

func (m *mailServer) NewSession(*smtp.Conn) (smtp.Session, error) { return &mailSession{srv: m}, nil }

type mailSession struct {
	srv   *mailServer
	login string
	cur   received
}

func (s *mailSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *mailSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if pass != s.srv.password {
			return errors.New("wrong password")
		}
		s.login = user
		return nil
	}), nil
}

func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.login == "" {
		return smtp.ErrAuthRequired
	}
	s.cur = received{from: from}
	return nil
}

func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.srv.mu.Lock()
	refuse := s.srv.refuse
	s.srv.mu.Unlock()
	if refuse {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	s.cur.to = append(s.cur.to, to)
	return nil
}

func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = string(b)
	s.srv.mu.Lock()
	s.srv.mails = append(s.srv.mails, s.cur)
	s.srv.mu.Unlock()
	return nil
}

func (s *mailSession) Reset()        { s.cur = received{} }
func (s *mailSession) Logout() error { return nil }

func startMailServer(t *testing.T, password string) *mailServer {
	m := &mailServer{password: password}
	srv := smtp.NewServer(m)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m.addr = ln.Addr().(*net.TCPAddr)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return m
}

func (m *mailServer) received() []received {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]received(nil), m.mails...)
}

// senders reach the test's mail server, logging in with the password read
// from the environment as the plan's password_env says.
func (m *mailServer) senders(password string) Senders {
	return Senders{
		SMTP: func() SMTP {
			return SMTP{Host: "127.0.0.1", Port: m.addr.Port, From: "hypercare@orion.example", Username: "hypercare",
				PasswordEnv: "SMTP_PASSWORD", TLS: "none"}
		},
		Env: func(k string) string {
			if k == "SMTP_PASSWORD" {
				return password
			}
			return ""
		},
	}
}

func emailRule(to ...string) model.NotifyRule {
	return model.NotifyRule{Name: "leads", Events: []model.EventKind{model.EventP1Opened}, Channel: model.ChannelEmail, Targets: to}
}

// A P1 opened is e-mailed to each address of the rule through a real SMTP
// server, logged in, with the subject, the text, the fields and the
// idempotency key as its Message-ID.
func TestEmailThroughSMTP(t *testing.T) {
	srv := startMailServer(t, "s3cret")
	o := newOutbox(t, emailRule("leads@orion.example", "duty@orion.example"))
	in := o.openP1()
	if got := o.drain(o.worker("w1", srv.senders("s3cret").Send)); got != 2 {
		t.Fatalf("finished %d messages, want 2", got)
	}
	mails := srv.received()
	if len(mails) != 2 {
		t.Fatalf("%d mails", len(mails))
	}
	for i, want := range []string{"leads@orion.example", "duty@orion.example"} {
		var m received
		for _, r := range mails {
			if len(r.to) == 1 && r.to[0] == want {
				m = r
			}
		}
		if m.from != "hypercare@orion.example" {
			t.Fatalf("mail %d to %s: %+v", i, want, mails)
		}
		msg, err := mail.ReadMessage(strings.NewReader(m.data))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(msg.Body)
		subject := msg.Header.Get("Subject")
		if subject != in.Ref()+" P1 opened: Checkout returns 502" || !strings.Contains(string(body), "Service: checkout") ||
			!strings.Contains(string(body), "opened INC-1 as P1") {
			t.Fatalf("mail to %s: subject %q, body:\n%s", want, subject, body)
		}
		var sent model.Notification
		for _, n := range o.messages() {
			if n.Target == want {
				sent = n
			}
		}
		if id := msg.Header.Get("Message-Id"); id != "<"+IdempotencyKey(sent)+"@hypercare>" || sent.State != model.NotifySent {
			t.Fatalf("mail to %s: Message-ID %q, message %+v", want, id, sent)
		}
	}
}

// A wrong password is worth trying again (the secret may be rotated); a
// mailbox the server refuses (550) is not.
func TestEmailFailures(t *testing.T) {
	srv := startMailServer(t, "s3cret")
	o := newOutbox(t, emailRule("leads@orion.example"))
	o.openP1()
	o.drain(o.worker("w1", srv.senders("wrong").Send))
	if m := o.only(); m.State != model.NotifyPending || m.Attempts != 1 || m.LastError == "" {
		t.Fatalf("after a refused login: %+v", m)
	}
	srv.mu.Lock()
	srv.refuse = true
	srv.mu.Unlock()
	o.clock.At = o.clock.At.Add(model.NotifyBackoff)
	o.drain(o.worker("w1", srv.senders("s3cret").Send))
	if m := o.only(); m.State != model.NotifyFailed || !strings.Contains(m.LastError, "550") {
		t.Fatalf("after a 550: %s (%s)", m.State, m.LastError)
	}
	if len(srv.received()) != 0 {
		t.Fatal("a mail arrived")
	}
}
