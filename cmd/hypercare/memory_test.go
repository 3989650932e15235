package main

import (
	"runtime/debug"
	"testing"
)

// The soft memory limit is the server's budget: the base, and 8 MB more for
// each SSH session open; a limit the operator set is left alone.
func TestMemoryBudgetFollowsSessions(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	before := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(before)
	var b memoryBudget
	b.apply()
	if got := debug.SetMemoryLimit(-1); got != memoryBase {
		t.Fatalf("limit %d with no session, want %d", got, memoryBase)
	}
	leave1, leave2 := b.join(), b.join()
	if got := debug.SetMemoryLimit(-1); got != memoryBase+2*memoryPerSession {
		t.Fatalf("limit %d with two sessions", got)
	}
	leave1()
	leave2()
	if got := debug.SetMemoryLimit(-1); got != memoryBase {
		t.Fatalf("limit %d once both left", got)
	}
	t.Setenv("GOMEMLIMIT", "1GiB")
	debug.SetMemoryLimit(12345)
	b.join()()
	if got := debug.SetMemoryLimit(-1); got != 12345 {
		t.Fatalf("GOMEMLIMIT set, yet the limit moved to %d", got)
	}
}

// serve collects less often than the default, within that limit; GOGC, when
// the operator sets it, is left alone.
func TestServerGCPace(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	var b memoryBudget
	t.Setenv("GOGC", "")
	b.pace()
	if got := debug.SetGCPercent(100); got != serverGCPercent {
		t.Fatalf("GC percent %d in serve, want %d", got, serverGCPercent)
	}
	t.Setenv("GOGC", "50")
	debug.SetGCPercent(50)
	b.pace()
	if got := debug.SetGCPercent(100); got != 50 {
		t.Fatalf("GOGC=50 set, yet the pace moved to %d", got)
	}
}
