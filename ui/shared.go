package ui

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// Shared is the store as sessions read it (hypercare serve, and the
// console as a server of one): between two commits, a read that several
// sessions ask for (the same pane, the same filter, the same page) runs
// once and every one of them gets its answer. A commit forgets the answers
// it may have changed before any session hears of it, so no session is
// ever handed data older than the commit that woke it: every answer, but
// those of a part of the store (model.Part) whose version the commit left
// where it was, when the store counts them (model.Versioner). Under a
// flood of alerts a commit then costs the reads of what alerts change, not
// those of the knowledge pane, the calendar and the banners as well.
// Sessions must treat what they get as read-only: it is shared.
//
// Reads it does not share (a record's detail, a history) go straight to
// the store.
type Shared struct {
	model.Reader
	subs model.Broadcaster

	// versioner is the Reader's part versions, if it counts them.
	versioner model.Versioner
	// now is the clock that ages answers, kept ones and the minute's
	// (time.Now; tests move it).
	now func() time.Time

	mu      sync.Mutex
	answers map[string]*sharedRead
	// versions are the parts' versions read after the last commit, valid
	// when versioned; an answer of a part is kept across the next commit
	// if that commit leaves its version where it was.
	versions  model.Versions
	versioned bool
	// last are the answers read before the last commit, by key, each
	// kept until it has not been read again for lastFor. A read whose new
	// answer equals its last one hands out the last one again: a session
	// tells whether its pane changed by comparing what it shows with what
	// it got, and on the same slice reflect.DeepEqual returns at once. So
	// a commit that changed one pane costs one comparison of the others
	// per server, not one per session. (Kept across commits, not just the
	// last one: under a flood a slow session skips some, and a pane no
	// session asked for in between would be handed a new slice.)
	last map[string]lastAnswer
	// minute are the answers of the reads the exit scorecard makes, at most
	// once a minute per session: kept across commits (the header's tally
	// is a minute old by design), each for a few minutes.
	minute map[string]*sharedRead
	asked  map[string]time.Time

	stop func()
	done chan struct{}
}

var _ interface {
	model.Reader
	model.Notifier
} = (*Shared)(nil)

// lastFor is how long an answer no session reads again is kept in last.
const lastFor = time.Minute

type lastAnswer struct {
	val  any
	read time.Time
}

type sharedRead struct {
	ready chan struct{}
	part  model.Part // what the read reads, or noPart: more than one part
	asked time.Time  // when a session last asked for it, under Shared.mu
	val   any
	err   error
}

// noPart marks a read of what every commit may change.
const noPart model.Part = -1

// NewShared shares r's reads between the sessions that subscribe here
// rather than to n. Close it when the server stops.
func NewShared(r model.Reader, n model.Notifier) *Shared {
	s := &Shared{Reader: r, answers: map[string]*sharedRead{}, last: map[string]lastAnswer{}, minute: map[string]*sharedRead{},
		asked: map[string]time.Time{}, done: make(chan struct{}), now: time.Now}
	s.versioner, _ = r.(model.Versioner)
	commits, stop := n.Subscribe()
	ctx, cancel := context.WithCancel(context.Background())
	// The versions every answer is weighed against at the first commit,
	// read before any answer is: one read before them could be older.
	s.versions, s.versioned = s.readVersions(ctx)
	s.stop = sync.OnceFunc(func() { cancel(); stop() })
	go func() {
		defer close(s.done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-commits:
			}
			s.forget(ctx)
			s.subs.Notify()
		}
	}()
	return s
}

// readVersions reads the parts' versions, if the Reader counts them.
func (s *Shared) readVersions(ctx context.Context) (model.Versions, bool) {
	if s.versioner == nil {
		return model.Versions{}, false
	}
	v, err := s.versioner.Versions(ctx)
	return v, err == nil
}

// forget drops the answers a commit may have changed. The parts' versions
// are read after the commit: a part whose version did not move since the
// last ones were read was not changed by any commit in between, so an
// answer of it read since then still holds. Only answers already read are
// kept: one still being read would hold too if its part did not move, but
// that is rare, and the rule is easier to trust without it. When the
// versions cannot be read, every answer is dropped.
func (s *Shared) forget(ctx context.Context) {
	v, ok := s.readVersions(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for k, r := range s.answers {
		select {
		case <-r.ready:
			if r.err != nil {
				break
			}
			// Its part as it was: keep it, unless no session asked for it
			// lately (a key with a time in it, from a minute that passed).
			if ok && s.versioned && r.part != noPart && v[r.part] == s.versions[r.part] && now.Sub(r.asked) <= lastFor {
				continue
			}
			s.last[k] = lastAnswer{r.val, now}
		default: // still being read: its answer may be older than the commit
		}
		delete(s.answers, k)
	}
	s.versions, s.versioned = v, ok
	for k, l := range s.last {
		if now.Sub(l.read) > lastFor {
			delete(s.last, k)
		}
	}
}

// Subscribe is model.Notifier: a signal after each commit, once the answers
// read before it are forgotten.
func (s *Shared) Subscribe() (<-chan struct{}, func()) { return s.subs.Subscribe() }

// Close stops following the store's commits.
func (s *Shared) Close() {
	s.stop()
	<-s.done
}

// shareMinute runs read once for every session asking with the same key
// within a few minutes, commits or not: for the scorecard's reads, whose
// keys change with the minute they are asked at.
func shareMinute[T any](s *Shared, ctx context.Context, key string, read func(context.Context) (T, error)) (T, error) {
	s.mu.Lock()
	now := s.now()
	for k, at := range s.asked {
		if now.Sub(at) > 3*time.Minute {
			delete(s.asked, k)
			delete(s.minute, k)
		}
	}
	r, ok := s.minute[key]
	if !ok {
		r = &sharedRead{ready: make(chan struct{})}
		s.minute[key], s.asked[key] = r, now
	}
	s.mu.Unlock()
	if !ok {
		r.val, r.err = read(ctx)
		if r.err != nil {
			s.mu.Lock()
			if s.minute[key] == r {
				delete(s.minute, key)
				delete(s.asked, key)
			}
			s.mu.Unlock()
		}
		close(r.ready)
	} else {
		select {
		case <-r.ready:
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}
	v, _ := r.val.(T)
	return v, r.err
}

// IncidentsSince and ChangeCauses are shared for a whole minute when asked
// from a whole minute, as the scorecard asks; any other time (the metrics
// view's) goes straight to the store.
func (s *Shared) IncidentsSince(ctx context.Context, since time.Time) ([]model.Incident, error) {
	if !since.Equal(since.Truncate(time.Minute)) {
		return s.Reader.IncidentsSince(ctx, since)
	}
	return shareMinute(s, ctx, fmt.Sprint("incidents since ", ms(since)), func(ctx context.Context) ([]model.Incident, error) {
		return s.Reader.IncidentsSince(ctx, since)
	})
}

func (s *Shared) ChangeCauses(ctx context.Context, since time.Time) ([]model.ChangeCause, error) {
	if !since.Equal(since.Truncate(time.Minute)) {
		return s.Reader.ChangeCauses(ctx, since)
	}
	return shareMinute(s, ctx, fmt.Sprint("change causes ", ms(since)), func(ctx context.Context) ([]model.ChangeCause, error) {
		return s.Reader.ChangeCauses(ctx, since)
	})
}

// share runs read once for every session asking with the same key until
// the next commit. A read that failed is not kept; one that another
// session gave up on (its context cancelled) is run again for this one.
func share[T any](s *Shared, ctx context.Context, key string, read func(context.Context) (T, error)) (T, error) {
	return shareIn(s, ctx, noPart, key, read)
}

// shareIn is share for a read of one part of the store, and nothing else:
// its answer is kept across the commits that leave the part alone.
func shareIn[T any](s *Shared, ctx context.Context, part model.Part, key string, read func(context.Context) (T, error)) (T, error) {
	for {
		s.mu.Lock()
		r, ok := s.answers[key]
		if !ok {
			r = &sharedRead{ready: make(chan struct{}), part: part}
			s.answers[key] = r
		}
		r.asked = s.now()
		s.mu.Unlock()
		if !ok {
			r.val, r.err = read(ctx)
			s.mu.Lock()
			if r.err != nil {
				if s.answers[key] == r {
					delete(s.answers, key)
				}
			} else if last, ok := s.last[key]; ok {
				s.mu.Unlock() // comparing may take a while; the answer is r's alone until ready
				if reflect.DeepEqual(last.val, r.val) {
					r.val = last.val
				}
				s.mu.Lock()
			}
			s.mu.Unlock()
			close(r.ready)
		} else {
			select {
			case <-r.ready:
			case <-ctx.Done():
				var zero T
				return zero, ctx.Err()
			}
			if r.err != nil && ctx.Err() == nil &&
				(errors.Is(r.err, context.Canceled) || errors.Is(r.err, context.DeadlineExceeded)) {
				continue // the session that ran it gave up; this one has not
			}
		}
		v, _ := r.val.(T)
		return v, r.err
	}
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func (s *Shared) Counts(ctx context.Context) (model.Counts, error) {
	return share(s, ctx, "counts", s.Reader.Counts)
}

func (s *Shared) Queue(ctx context.Context, q model.QueueQuery) ([]model.Incident, error) {
	return share(s, ctx, fmt.Sprintf("queue %#v", q), func(ctx context.Context) ([]model.Incident, error) {
		return s.Reader.Queue(ctx, q)
	})
}

func (s *Shared) Feed(ctx context.Context, q model.FeedQuery) ([]model.Alert, error) {
	return share(s, ctx, fmt.Sprintf("feed %#v", q), func(ctx context.Context) ([]model.Alert, error) {
		return s.Reader.Feed(ctx, q)
	})
}

func (s *Shared) ChangesBetween(ctx context.Context, from, to time.Time) ([]model.Change, error) {
	return shareIn(s, ctx, model.PartCalendar, fmt.Sprint("changes ", ms(from), ms(to)), func(ctx context.Context) ([]model.Change, error) {
		return s.Reader.ChangesBetween(ctx, from, to)
	})
}

func (s *Shared) NextChange(ctx context.Context, after time.Time) (model.Change, error) {
	return shareIn(s, ctx, model.PartCalendar, fmt.Sprint("next change ", ms(after)), func(ctx context.Context) (model.Change, error) {
		return s.Reader.NextChange(ctx, after)
	})
}

func (s *Shared) DeploysBetween(ctx context.Context, from, to time.Time) ([]model.Deploy, error) {
	return shareIn(s, ctx, model.PartCalendar, fmt.Sprint("deploys ", ms(from), ms(to)), func(ctx context.Context) ([]model.Deploy, error) {
		return s.Reader.DeploysBetween(ctx, from, to)
	})
}

func (s *Shared) Articles(ctx context.Context, q model.ArticleQuery) ([]model.ArticleHit, error) {
	return shareIn(s, ctx, model.PartKnowledge, fmt.Sprintf("articles %#v", q), func(ctx context.Context) ([]model.ArticleHit, error) {
		return s.Reader.Articles(ctx, q)
	})
}

func (s *Shared) Audit(ctx context.Context, q model.AuditQuery) ([]model.AuditEntry, error) {
	return share(s, ctx, fmt.Sprint("audit ", ms(q.Since), q.Filter, q.Offset, q.Limit), func(ctx context.Context) ([]model.AuditEntry, error) {
		return s.Reader.Audit(ctx, q)
	})
}

func (s *Shared) TrainingData(ctx context.Context) (model.TrainingData, error) {
	return shareIn(s, ctx, model.PartKnowledge, "training", s.Reader.TrainingData)
}

func (s *Shared) WarRooms(ctx context.Context) ([]model.WarRoom, error) {
	return shareIn(s, ctx, model.PartWarRooms, "war rooms", s.Reader.WarRooms)
}

func (s *Shared) JobRunsBetween(ctx context.Context, from, to time.Time) ([]model.JobRun, error) {
	return shareIn(s, ctx, model.PartCalendar, fmt.Sprint("job runs ", ms(from), ms(to)), func(ctx context.Context) ([]model.JobRun, error) {
		return s.Reader.JobRunsBetween(ctx, from, to)
	})
}

func (s *Shared) Certificates(ctx context.Context) ([]model.Certificate, error) {
	return shareIn(s, ctx, model.PartCertificates, "certificates", s.Reader.Certificates)
}

// ProblemSuggestions is shared within a minute: the store keeps the rule's
// answer for a minute while no incident changes anyway, and every session
// asks at its own clock's millisecond.
func (s *Shared) ProblemSuggestions(ctx context.Context, now time.Time) ([]model.ProblemSuggestion, error) {
	return share(s, ctx, fmt.Sprint("problem suggestions ", ms(now.Truncate(time.Minute))), func(ctx context.Context) ([]model.ProblemSuggestion, error) {
		return s.Reader.ProblemSuggestions(ctx, now)
	})
}

func (s *Shared) Problems(ctx context.Context, q model.ProblemQuery) ([]model.Problem, error) {
	return share(s, ctx, fmt.Sprintf("problems %#v", q), func(ctx context.Context) ([]model.Problem, error) {
		return s.Reader.Problems(ctx, q)
	})
}
