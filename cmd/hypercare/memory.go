package main

import (
	"os"
	"runtime/debug"
	"sync/atomic"
)

// The server's memory budget (SPEC.md): 100 MB for the service and 8 MB
// more per SSH session. A large drop leaves garbage several times its size,
// and with the runtime's default pacing the heap may grow to twice what is
// live before it is collected; a soft memory limit at the budget makes the
// collector work harder only when the process nears it. The limit follows
// the sessions open, so many sessions never make it collect constantly.
const (
	memoryBase       = 72 << 20 // the Go heap; SQLite's pages, stacks and the runtime take the rest of 100 MB
	memoryPerSession = 8 << 20
)

// memoryBudget sets the soft memory limit for the sessions open. A limit
// set by the operator (GOMEMLIMIT) is left alone.
type memoryBudget struct{ sessions atomic.Int64 }

func (b *memoryBudget) apply() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(memoryBase + memoryPerSession*b.sessions.Load())
}

// serverGCPercent is the collector's pacing in serve, unless GOGC says
// otherwise. A hundred sessions drawing every commit make garbage fast,
// and at the default (100) collecting it was a tenth of the server's CPU;
// they hold about 2 MB each of the 8 their budget allows, so the heap may
// grow further between collections, the soft limit above still holding
// it to the budget.
const serverGCPercent = 300

func (b *memoryBudget) pace() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
}

// join counts a session in until the returned func is called.
func (b *memoryBudget) join() (leave func()) {
	b.sessions.Add(1)
	b.apply()
	return func() {
		b.sessions.Add(-1)
		b.apply()
	}
}
