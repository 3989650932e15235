package main

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// The time-driven work runs while this process leads, stops when the lead
// goes elsewhere, starts again when it comes back, and ends with ctx.
func TestWhileLeading(t *testing.T) {
	var lead atomic.Bool
	started, stopped := make(chan struct{}, 4), make(chan struct{}, 4)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		whileLeading(ctx, func(context.Context) bool { return lead.Load() }, time.Millisecond, func(ctx context.Context) {
			started <- struct{}{}
			<-ctx.Done()
			stopped <- struct{}{}
		})
	}()
	expect := func(ch chan struct{}, what string) {
		t.Helper()
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
			t.Fatal(what)
		}
	}
	select {
	case <-started:
		t.Fatal("the work started in a process that does not lead")
	case <-time.After(20 * time.Millisecond):
	}
	lead.Store(true)
	expect(started, "the work did not start when the lead was taken")
	lead.Store(false)
	expect(stopped, "the work did not stop when the lead was lost")
	lead.Store(true)
	expect(started, "the work did not start again")
	cancel()
	expect(stopped, "the work did not stop with ctx")
	expect(done, "whileLeading did not return")
}
