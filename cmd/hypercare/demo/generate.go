package demo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
)

// feed is the monitoring of the seeded week. It remembers what is firing so
// it can repeat and later resolve it, as Alertmanager does. The live demo's
// alerts come from WriteDrops instead, as drop files.
type feed struct {
	record func(ctx context.Context, a model.Alert) error // where alerts go: the desk (deskSink)
	cat    Catalogue
	rnd    *rand.Rand
	firing []firingAlert
}

type firingAlert struct {
	model.Alert
	ticksLeft int // ticks until it resolves
}

// Odds of the feed's events per tick.
const (
	stormOdds    = 30 // one tick in stormOdds is a storm
	stormSize    = 10
	repeatOdds   = 3 // one tick in repeatOdds re-delivers a firing alert
	maxTicksLeft = 8
	untilCleared = math.MaxInt // for alerts that end when someone resolves them
)

func newFeed(record func(context.Context, model.Alert) error, p *plan.Plan, rnd *rand.Rand) (*feed, error) {
	cat := DefaultCatalogue().For(p.ModelServices())
	if cat.weight() == 0 {
		return nil, errors.New("demo alerts: the plan has none of the demo services; use the demo plan")
	}
	return &feed{record: record, cat: cat, rnd: rnd}, nil
}

// deskSink records alerts straight through the service layer (the seeded
// history, which happened before the drop folder was watched).
func deskSink(desk *model.Desk) func(context.Context, model.Alert) error {
	return func(ctx context.Context, a model.Alert) error {
		if _, err := desk.RecordAlert(ctx, model.System, a); err != nil {
			return fmt.Errorf("demo alert %s on %s: %w", a.Name, a.Service, err)
		}
		return nil
	}
}

// tick is one round of monitoring at a moment.
func (f *feed) tick(ctx context.Context, at time.Time) error {
	if err := f.resolveDue(ctx, at); err != nil {
		return err
	}
	if len(f.firing) > 0 && f.rnd.IntN(repeatOdds) == 0 {
		again := &f.firing[f.rnd.IntN(len(f.firing))]
		again.LastSeen = at
		if err := f.record(ctx, again.Alert); err != nil {
			return err
		}
	}
	if f.rnd.IntN(stormOdds) == 0 {
		if storm, ok := f.cat.Storm(f.rnd, stormSize, at); ok {
			return f.fire(ctx, 1+f.rnd.IntN(maxTicksLeft), storm...)
		}
	}
	for range 1 + f.rnd.IntN(3) {
		if err := f.fire(ctx, 1+f.rnd.IntN(maxTicksLeft), f.cat.Draw(f.rnd, at)); err != nil {
			return err
		}
	}
	return nil
}

// fire records alerts that resolve by themselves after ticks rounds. An
// alert that is already firing is a repeat delivery of the same dedup key.
func (f *feed) fire(ctx context.Context, ticks int, alerts ...model.Alert) error {
	for _, a := range alerts {
		if err := f.record(ctx, a); err != nil {
			return err
		}
		f.track(a, ticks)
	}
	return nil
}

// track remembers a firing alert; a repeat keeps its first start time and
// fires at least as long as either delivery asks.
func (f *feed) track(a model.Alert, ticks int) {
	for i := range f.firing {
		if fa := &f.firing[i]; fa.DedupKey == a.DedupKey {
			fa.LastSeen = a.LastSeen
			fa.ticksLeft = max(fa.ticksLeft, ticks)
			return
		}
	}
	f.firing = append(f.firing, firingAlert{Alert: a, ticksLeft: ticks})
}

// resolveDue counts every firing alert down by one tick and resolves those
// whose time has come.
func (f *feed) resolveDue(ctx context.Context, at time.Time) error {
	still := f.firing[:0]
	for _, fa := range f.firing {
		if fa.ticksLeft--; fa.ticksLeft > 0 {
			still = append(still, fa)
			continue
		}
		if err := f.record(ctx, Resolved(fa.Alert, at)); err != nil {
			return err
		}
	}
	f.firing = still
	return nil
}

// resolve ends one firing alert now, whatever its count.
func (f *feed) resolve(ctx context.Context, key string, at time.Time) error {
	for i, fa := range f.firing {
		if fa.DedupKey == key {
			f.firing = append(f.firing[:i], f.firing[i+1:]...)
			return f.record(ctx, Resolved(fa.Alert, at))
		}
	}
	return nil
}
