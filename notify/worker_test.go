package notify

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/model/modeltest"
	"github.com/hypercare-ops/hypercare/store"
)

// start is when every test's clock starts.
var start = time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)

var operator = model.Actor{Name: "tom.okafor", Role: model.RoleOperator}

// rules is the test plan: modeltest's, with these [[notify]] rules.
type rules struct {
	modeltest.Policy
	notify []model.NotifyRule
}

func (r rules) NotifyPolicy() model.NotifyPolicy { return model.NotifyPolicy{Rules: r.notify} }

// outbox is a database in a folder of the test's, with a desk that tells
// the rules, on a clock moved by hand.
type outbox struct {
	t     *testing.T
	ctx   context.Context
	path  string
	db    *store.DB
	desk  *model.Desk
	clock *modeltest.Clock
}

func openOutbox(t *testing.T, path string, notify ...model.NotifyRule) *outbox {
	t.Helper()
	o, err := open(t.Context(), path, notify...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.db.Close() })
	o.t = t
	return o
}

func open(ctx context.Context, path string, notify ...model.NotifyRule) (*outbox, error) {
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return nil, err
	}
	o := &outbox{ctx: ctx, path: path, db: db, desk: model.NewDesk(db, rules{notify: notify}), clock: &modeltest.Clock{At: start}}
	o.desk.Now = o.clock.Now
	return o, nil
}

func newOutbox(t *testing.T, notify ...model.NotifyRule) *outbox {
	return openOutbox(t, filepath.Join(t.TempDir(), "hypercare.db"), notify...)
}

// openP1 opens a P1 on checkout: the event the rules below are told about.
func (o *outbox) openP1() model.Incident {
	o.t.Helper()
	in, err := o.desk.CreateIncident(o.ctx, operator, model.NewIncident{Title: "Checkout returns 502", Service: "checkout",
		Category: "availability", Impact: model.High, Urgency: model.High})
	if err != nil {
		o.t.Fatal(err)
	}
	return in
}

func (o *outbox) worker(id string, send func(context.Context, model.Notification) error) *Worker {
	return &Worker{Desk: o.desk, Outbox: o.db, Send: send, Now: o.clock.Now, ID: id}
}

// drain runs the worker over what is due and says how many it finished.
func (o *outbox) drain(w *Worker) int {
	o.t.Helper()
	n, err := w.Drain(o.ctx)
	if err != nil {
		o.t.Fatal(err)
	}
	return n
}

func (o *outbox) messages() []model.Notification {
	o.t.Helper()
	list, err := o.db.Notifications(o.ctx, model.NotificationQuery{})
	if err != nil {
		o.t.Fatal(err)
	}
	return list
}

func (o *outbox) only() model.Notification {
	o.t.Helper()
	list := o.messages()
	if len(list) != 1 {
		o.t.Fatalf("%d messages in the outbox, want 1: %+v", len(list), list)
	}
	return list[0]
}

// receiver is a webhook endpoint that answers each post with the next of
// its codes (the last one over and over), and keeps what it was sent.
type receiver struct {
	mu    sync.Mutex
	codes []int
	posts []post
	srv   *httptest.Server
}

type post struct {
	key, contentType string
	body             []byte
}

func newReceiver(t *testing.T, codes ...int) *receiver {
	r := &receiver{codes: codes}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		code := r.codes[min(len(r.posts), len(r.codes)-1)]
		r.posts = append(r.posts, post{req.Header.Get("Idempotency-Key"), req.Header.Get("Content-Type"), body})
		r.mu.Unlock()
		w.WriteHeader(code)
		io.WriteString(w, http.StatusText(code))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) received() []post {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]post(nil), r.posts...)
}

func webhookRule(url string, attempts int) model.NotifyRule {
	return model.NotifyRule{Name: "ops", Events: []model.EventKind{model.EventP1Opened}, Channel: model.ChannelWebhook,
		Targets: []string{url}, Attempts: attempts}
}

// A receiver that fails twice then takes the message: the worker tries
// again after 30s, then 60s, and the third post is delivered; every post
// carries the same idempotency key, and the audit log has each attempt.
func TestWebhookRetriesWithBackoff(t *testing.T) {
	rcv := newReceiver(t, 503, 502, 200)
	o := newOutbox(t, webhookRule(rcv.srv.URL+"/hook", 0))
	o.openP1()
	w := o.worker("w1", Senders{}.Send)

	steps := []struct {
		wait     time.Duration // the clock moves on this much first
		finished int
		state    model.NotificationState
		attempts int
		next     time.Duration // the next attempt, after the clock
	}{
		{0, 1, model.NotifyPending, 1, 30 * time.Second},
		{29 * time.Second, 0, model.NotifyPending, 1, time.Second}, // not due yet
		{time.Second, 1, model.NotifyPending, 2, time.Minute},
		{time.Minute, 1, model.NotifySent, 3, 0},
		{time.Hour, 0, model.NotifySent, 3, 0},
	}
	for i, st := range steps {
		o.clock.At = o.clock.At.Add(st.wait)
		if got := o.drain(w); got != st.finished {
			t.Fatalf("step %d: finished %d, want %d", i, got, st.finished)
		}
		m := o.only()
		if m.State != st.state || m.Attempts != st.attempts {
			t.Fatalf("step %d: %s after %d attempts, want %s after %d (%s)", i, m.State, m.Attempts, st.state, st.attempts, m.LastError)
		}
		if st.next > 0 && !m.NextAt.Equal(o.clock.At.Add(st.next)) {
			t.Fatalf("step %d: next attempt at %s, want %s", i, m.NextAt, o.clock.At.Add(st.next))
		}
	}
	posts := rcv.received()
	if len(posts) != 3 {
		t.Fatalf("%d posts, want 3", len(posts))
	}
	for _, p := range posts {
		if p.key != posts[0].key || p.key == "" || p.contentType != "application/json" {
			t.Fatalf("posts carry keys %q and %q, type %q", posts[0].key, p.key, p.contentType)
		}
	}
	m := o.only()
	if m.SentAt.IsZero() || m.LastError != "" || m.LeaseOwner != "" {
		t.Fatalf("sent message: %+v", m)
	}
	audit, err := o.db.Audit(o.ctx, model.AuditQuery{Filter: "notification."})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range audit {
		actions = append(actions, e.Action)
	}
	if len(actions) != 3 || actions[0] != "notification.sent" || actions[1] != "notification.retry" || actions[2] != "notification.retry" {
		t.Fatalf("audit: %v", actions)
	}
}

// A message whose attempts run out fails, and the feed says so with a
// NotificationFailed alert; the next message to that target that gets
// through resolves the alert.
func TestFailedMessageRaisesAlert(t *testing.T) {
	rcv := newReceiver(t, 500, 500, 200)
	o := newOutbox(t, webhookRule(rcv.srv.URL, 2))
	o.openP1()
	w := o.worker("w1", Senders{}.Send)
	o.drain(w)
	o.clock.At = o.clock.At.Add(time.Minute)
	o.drain(w)
	m := o.only()
	if m.State != model.NotifyFailed || m.Attempts != 2 {
		t.Fatalf("after two failures: %s, %d attempts", m.State, m.Attempts)
	}
	alerts, err := o.db.Feed(o.ctx, model.FeedQuery{Firing: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 || alerts[0].Name != "NotificationFailed" || alerts[0].Labels["rule"] != "ops" {
		t.Fatalf("feed: %+v", alerts)
	}
	o.openP1()
	o.drain(w)
	if alerts, err := o.db.Feed(o.ctx, model.FeedQuery{Firing: true}); err != nil || len(alerts) != 0 {
		t.Fatalf("firing after a delivery: %+v, %v", alerts, err)
	}
}

// A receiver that refuses the message (404) will refuse it again: it fails
// at once, attempts left unused.
func TestRefusedMessageFailsAtOnce(t *testing.T) {
	rcv := newReceiver(t, 404)
	o := newOutbox(t, webhookRule(rcv.srv.URL, 0))
	o.openP1()
	o.drain(o.worker("w1", Senders{}.Send))
	if m := o.only(); m.State != model.NotifyFailed || m.Attempts != 1 {
		t.Fatalf("after a 404: %s after %d attempts (%s)", m.State, m.Attempts, m.LastError)
	}
}

// A "$NAME" target is read from the environment when sent; unset, the
// message fails at once saying which variable to set.
func TestTargetFromEnvironment(t *testing.T) {
	rcv := newReceiver(t, 200)
	rule := webhookRule("$WAR_ROOM_URL", 0)
	rule.Channel = model.ChannelSlack
	o := newOutbox(t, rule)
	o.openP1()
	env := map[string]string{"WAR_ROOM_URL": rcv.srv.URL}
	o.drain(o.worker("w1", Senders{Env: func(k string) string { return env[k] }}.Send))
	if m := o.only(); m.State != model.NotifySent || len(rcv.received()) != 1 {
		t.Fatalf("with the variable set: %+v", m)
	}
	o.openP1()
	o.drain(o.worker("w1", Senders{Env: func(string) string { return "" }}.Send))
	if m := o.messages()[0]; m.State != model.NotifyFailed || m.LastError == "" {
		t.Fatalf("with the variable unset: %+v", m)
	}
}

// Two workers on one database (the console and serve): each message is
// claimed by one of them, and a worker whose claim ran out cannot mark it.
func TestClaimsAreExclusive(t *testing.T) {
	o := newOutbox(t, webhookRule("http://127.0.0.1:1/never", 0))
	o.openP1()
	first, err := o.desk.ClaimNotification(o.ctx, "a", o.clock.At)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.desk.ClaimNotification(o.ctx, "b", o.clock.At); err != model.ErrNotFound {
		t.Fatalf("a second claim while leased: %v", err)
	}
	o.clock.At = o.clock.At.Add(model.NotifyLease)
	second, err := o.desk.ClaimNotification(o.ctx, "b", o.clock.At)
	if err != nil || second.ID != first.ID || second.Attempts != 2 {
		t.Fatalf("claim after the lease ran out: %+v, %v", second, err)
	}
	if _, err := o.desk.FinishNotification(o.ctx, "a", first.ID, model.Delivery{}); err == nil {
		t.Fatal("the worker whose lease ran out marked the message")
	}
	if _, err := o.desk.FinishNotification(o.ctx, "b", first.ID, model.Delivery{}); err != nil {
		t.Fatal(err)
	}
	if m := o.only(); m.State != model.NotifySent {
		t.Fatalf("state %s", m.State)
	}
}
