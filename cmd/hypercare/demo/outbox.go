package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
)

// Receiver stands in for the people the demo plan notifies: a webhook
// endpoint and a mail server on this machine, which file every message
// they receive in a folder, one file each, so what the outbox sent can be
// read there. It runs until ctx ends.
type Receiver struct {
	URL      string // base URL of the webhook endpoint
	SMTPPort int    // the mail server's port on 127.0.0.1
	dir      string
	mu       sync.Mutex
	n        int
}

// Receive starts a Receiver filing into dir.
func Receive(ctx context.Context, dir string) (*Receiver, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("demo outbox folder: %w", err)
	}
	r := &Receiver{dir: dir}
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo webhook receiver: %w", err)
	}
	ml, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		hl.Close()
		return nil, fmt.Errorf("demo mail receiver: %w", err)
	}
	r.URL, r.SMTPPort = "http://"+hl.Addr().String(), ml.Addr().(*net.TCPAddr).Port
	web := &http.Server{Handler: http.HandlerFunc(r.webhook), ReadHeaderTimeout: 10 * time.Second}
	mail := smtp.NewServer(r)
	mail.Domain, mail.ReadTimeout, mail.WriteTimeout = "localhost", 10*time.Second, 10*time.Second
	go web.Serve(hl)
	go mail.Serve(ml)
	go func() {
		<-ctx.Done()
		web.Close()
		mail.Close()
	}()
	return r, nil
}

// file writes one received message as the next numbered file.
func (r *Receiver) file(what, ext string, body []byte) error {
	r.mu.Lock()
	r.n++
	name := fmt.Sprintf("%04d-%s%s", r.n, unsafeName.ReplaceAllString(strings.Trim(what, "/"), "-"), ext)
	r.mu.Unlock()
	return os.WriteFile(filepath.Join(r.dir, name), body, 0o644)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9@.]+`)

func (r *Receiver) webhook(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err == nil {
		err = r.file(req.URL.Path, ".json", body)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// NewSession takes mail (smtp.Backend): anyone may send, to anyone.
func (r *Receiver) NewSession(*smtp.Conn) (smtp.Session, error) { return &mailIn{r: r}, nil }

type mailIn struct {
	r  *Receiver
	to []string
}

func (m *mailIn) Mail(string, *smtp.MailOptions) error { return nil }
func (m *mailIn) Rcpt(to string, _ *smtp.RcptOptions) error {
	m.to = append(m.to, to)
	return nil
}
func (m *mailIn) Data(body io.Reader) error {
	b, err := io.ReadAll(io.LimitReader(body, 1<<20))
	if err != nil {
		return err
	}
	if len(m.to) == 0 {
		return errors.New("no recipient")
	}
	return m.r.file("mail-"+m.to[0], ".eml", b)
}
func (m *mailIn) Reset()        { m.to = nil }
func (m *mailIn) Logout() error { return nil }

// NotifyLocally points the plan's notifications at the receiver: each
// webhook rule's targets become one URL of the receiver's, named after the
// rule, and [smtp] the receiver's mail server. The plan then says where
// the demo's messages really go.
func NotifyLocally(p *plan.Plan, r *Receiver) {
	for i := range p.Notify {
		rule := &p.Notify[i]
		if rule.Channel == string(model.ChannelEmail) {
			continue
		}
		rule.Targets = []string{r.URL + "/" + unsafeName.ReplaceAllString(rule.Name, "-") + "/" + rule.Channel}
	}
	p.SMTP = plan.SMTP{Host: "127.0.0.1", Port: r.SMTPPort, From: p.SMTP.From, TLS: plan.SMTPNoTLS}
}
