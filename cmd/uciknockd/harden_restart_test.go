//go:build linux

package main

import (
	"math/rand/v2"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/netns"
	"github.com/uciknock/uciknock/internal/testenv"
)

// lockRefusal is what uciknockd says when its instance lock is held.
const lockRefusal = "another uciknockd is running"

// TestHardenRestartRightAfterKill: right after uciknockd is SIGKILLed
// (and reaped), a new one starts. It once refused with "another uciknockd
// is running" for up to ~100ms: a child the killed daemon was spawning
// (the firewall reload) holds a copy of every descriptor between clone
// and exec, the instance lock's flock included; lockInstance now waits
// for it.
func TestHardenRestartRightAfterKill(t *testing.T) {
	testenv.RequireRoot(t)
	iterations := 60
	if testing.Short() {
		iterations = 15
	}
	e := newEnv(t, false)
	e.writeConfig("\toption batch_window '1ms'\n", crashSequences)
	r := newCrashRun(e, uint64(time.Now().UnixNano()))
	// CPU pressure, as on a busy router: children take longer from clone
	// to exec, which widens the window. Bounded by the test.
	var stop atomic.Bool
	defer stop.Store(true)
	for k := 0; k < 2; k++ {
		go func() {
			for !stop.Load() {
			}
		}()
	}
	var d *daemonProc
	for i := 0; i < iterations; i++ {
		if d != nil {
			d.kill()
		}
		d = e.spawnDaemon()
		if !d.waitLog(5*time.Second, "capture:", "opened") {
			if d.findLog(0, lockRefusal) != "" {
				t.Fatalf("iteration %d: a start right after SIGKILL was refused: %s", i, d.log())
			}
			t.Fatalf("iteration %d: uciknockd did not start: %s", i, d.log())
		}
		if err := r.burst(8 + r.rng.IntN(24)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rand.IntN(40_000)) * time.Microsecond)
	}
}

// TestHardenSecondDaemonRefused: a second uciknockd on the same control
// socket (so the same firewall config) refuses to run while the first
// lives, and the first keeps working.
func TestHardenSecondDaemonRefused(t *testing.T) {
	testenv.RequireRoot(t)
	t.Parallel()
	e := newEnv(t, false)
	e.writeConfig("\toption batch_window '1ms'\n", restartSequences)
	first := e.startDaemon()
	second := e.spawnDaemon()
	state, ok := second.wait(10 * time.Second)
	if !ok || state != "exit status 1" || second.findLog(0, lockRefusal) == "" {
		t.Fatalf("second daemon: exited %v, %q; log:\n%s", ok, state, second.log())
	}
	if err := e.net.knock(netip.MustParseAddr("192.0.2.99"), netns.ProtoUDP, 7011, 7012); err != nil {
		t.Fatal(err)
	}
	e.waitDoor("Long_192.0.2.99_443", true, 5*time.Second)
	first.stop()
}
