package main

import (
	"testing"
	"time"

	"bertology/wasm/protocol"
)

func TestTimeLeft(t *testing.T) {
	var tl timeLeft
	t0 := time.Unix(1000, 0)
	p := func(done, total int) protocol.Progress {
		return protocol.Progress{Phase: "x", Done: done, Total: total}
	}
	tl.observe(p(0, 100), t0)
	if _, ok := tl.estimate(p(0, 100), t0); ok {
		t.Error("an estimate before any step")
	}
	tl.observe(p(10, 100), t0.Add(2*time.Second))
	if d, ok := tl.estimate(p(10, 100), t0.Add(2*time.Second)); !ok || d != 18*time.Second {
		t.Errorf("10 of 100 steps in 2 s: %v left (%v), want 18s", d, ok)
	}
	// A new count (another job, or a total that changed) starts the estimate again.
	tl.observe(p(1, 50), t0.Add(3*time.Second))
	if _, ok := tl.estimate(p(1, 50), t0.Add(3500*time.Millisecond)); ok {
		t.Error("an estimate half a second into a new count")
	}
	tl.observe(p(26, 50), t0.Add(8*time.Second))
	if d, ok := tl.estimate(p(26, 50), t0.Add(8*time.Second)); !ok || d != 24*time.Second/5 {
		t.Errorf("25 steps in 5 s, 24 to go: %v left (%v), want 4.8s", d, ok)
	}
	if _, ok := tl.estimate(p(50, 50), t0.Add(9*time.Second)); ok {
		t.Error("an estimate once the count is done")
	}
	for d, want := range map[time.Duration]string{
		300 * time.Millisecond: "1 s", 4800 * time.Millisecond: "5 s", 95 * time.Second: "2 min", 4*time.Hour + 50*time.Minute: "4 h 50 min",
	} {
		if got := roughDuration(d); got != want {
			t.Errorf("roughDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
