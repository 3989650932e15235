// Package notify delivers the outbox's messages: webhooks (a generic JSON
// body, and Slack- and Teams-compatible incoming-webhook bodies) over HTTP,
// and e-mail over SMTP. The Worker claims due messages from the desk,
// delivers each outside any transaction and reports how it went; the desk
// decides what happens next (sent, retried after a backoff, failed).
package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// SendTimeout bounds one delivery; it stays well under model.NotifyLease,
// so a live worker always finishes before its claim runs out.
const SendTimeout = 30 * time.Second

// permanent marks a failure that trying again cannot fix.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent marks err as a failure retrying cannot fix: the message fails
// at once instead of using up its attempts.
func Permanent(err error) error { return permanent{err} }

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// IdempotencyKey is the digest of a message's key that receivers are given
// (the Idempotency-Key header, the e-mail's Message-ID): the same message
// sent twice carries the same one.
func IdempotencyKey(n model.Notification) string {
	sum := sha256.Sum256([]byte(n.Key))
	return hex.EncodeToString(sum[:16])
}

// Senders delivers a message by its channel.
type Senders struct {
	// HTTP posts webhooks; nil uses a client with SendTimeout.
	HTTP *http.Client
	// SMTP is the mail server as the current plan says; nil (or a zero
	// Host) when the plan has none.
	SMTP func() SMTP
	// Env reads an environment variable, for "$NAME" targets and the SMTP
	// password; nil is os.Getenv's behaviour through Getenv.
	Env func(string) string
}

// Send delivers one message. A failure the receiver will not get over (a
// 4xx answer, a target with nothing behind it) is Permanent.
func (s Senders) Send(ctx context.Context, n model.Notification) error {
	target, err := s.target(n.Target)
	if err != nil {
		return Permanent(err)
	}
	switch n.Channel {
	case model.ChannelWebhook, model.ChannelSlack, model.ChannelTeams:
		body, err := Body(n)
		if err != nil {
			return Permanent(err)
		}
		return s.post(ctx, target, n, body)
	case model.ChannelEmail:
		return s.mail(ctx, target, n)
	}
	return Permanent(fmt.Errorf("channel %q: hypercare cannot send through it", n.Channel))
}

// target resolves a "$NAME" target from the environment.
func (s Senders) target(t string) (string, error) {
	name, ok := strings.CutPrefix(t, "$")
	if !ok {
		return t, nil
	}
	v := strings.TrimSpace(s.getenv(name))
	if v == "" {
		return "", fmt.Errorf("environment variable %s is not set in the process that sends (console or serve); set it and restart", name)
	}
	return v, nil
}
