package daemon

import (
	"context"
	"time"
)

// clockJumpTolerance is how far the wall clock may drift from the
// monotonic clock between two looks before it counts as a jump (an NTP
// step, `date -s`); NTP's slewing stays far below it.
const clockJumpTolerance = time.Second

// clockJumpEvery is how often the wall clock is compared with the
// monotonic one: a door whose expiry a jump put in the past closes within
// this time (plus one batch window).
const clockJumpEvery = 2 * time.Second

// clockReading is the wall clock and the monotonic clock read together.
type clockReading struct{ wall, mono time.Duration }

// systemClockReader returns readings of the real clocks (Go's time.Now
// carries both: Sub uses the monotonic one, UnixNano the wall).
func systemClockReader() func() clockReading {
	base := time.Now()
	return func() clockReading {
		now := time.Now()
		return clockReading{wall: time.Duration(now.UnixNano()), mono: now.Sub(base)}
	}
}

// watchClockJumps calls jumped with the size of every wall-clock jump
// seen at a tick, until ctx ends. Door expiries are wall-clock times
// while timers run on the monotonic clock: after a boot without an RTC
// the clock jumps days ahead when NTP first synchronises, and the keeper
// must look at its expiries again then. onTick, if set, runs at each tick
// before the clocks are read (the daemon's time-zone check).
func watchClockJumps(ctx context.Context, ticks <-chan time.Time, read func() clockReading, onTick func(), jumped func(time.Duration)) {
	prev := read()
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-ticks:
			if !ok {
				return
			}
		}
		if onTick != nil {
			onTick()
		}
		r := read()
		drift := (r.wall - prev.wall) - (r.mono - prev.mono)
		prev = r
		if drift > clockJumpTolerance || drift < -clockJumpTolerance {
			jumped(drift)
		}
	}
}
