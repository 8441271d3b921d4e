package daemon

import (
	"context"
	"testing"
	"time"
)

// TestWatchClockJumps: a step of the wall clock (NTP's first sync after a
// boot on sysfixtime's clock) is reported with its size; steady time and
// slewing below the tolerance are not. onTick runs at every tick, before
// the clocks are read.
func TestWatchClockJumps(t *testing.T) {
	readings := []clockReading{
		{wall: 100 * time.Second, mono: 0},
		{wall: 102 * time.Second, mono: 2 * time.Second},                             // steady
		{wall: 104*time.Second + 5*time.Millisecond, mono: 4 * time.Second},          // slewing
		{wall: 48*time.Hour + 106*time.Second, mono: 6 * time.Second},                // NTP step ahead
		{wall: 48*time.Hour + 108*time.Second, mono: 8 * time.Second},                // steady again
		{wall: 48*time.Hour + 108*time.Second - time.Minute, mono: 10 * time.Second}, // step back
	}
	i, ticked := 0, 0
	read := func() clockReading {
		if ticked != i {
			t.Errorf("reading %d after %d onTick calls, want %d", i, ticked, i)
		}
		r := readings[i]
		i++
		return r
	}
	ticks := make(chan time.Time)
	jumps := make(chan time.Duration, len(readings))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		watchClockJumps(ctx, ticks, read, func() { ticked++ }, func(d time.Duration) { jumps <- d })
		close(done)
	}()
	for range readings[1:] {
		ticks <- time.Time{}
	}
	cancel()
	<-done
	close(jumps)
	var got []time.Duration
	for d := range jumps {
		got = append(got, d)
	}
	want := []time.Duration{48*time.Hour - 5*time.Millisecond, -time.Minute - 2*time.Second}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("jumps %v, want %v", got, want)
	}
}
