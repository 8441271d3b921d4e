package door

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// waitEvent waits (bounded) for an event of kind k on the recorder's tap.
func waitEvent(t *testing.T, ch <-chan Event, k EventKind) Event {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e := <-ch:
			if e.Kind == k {
				return e
			}
		case <-deadline:
			t.Fatalf("no %v event within 10s", k)
		}
	}
}

// TestRun drives the real loop with the real clock: a burst of opens is
// one write, a change notification leads to a reconcile, cancelling
// returns nil after writing a pending close.
func TestRun(t *testing.T) {
	store := newStore(t, baseConfig)
	fw := &fakeFW{}
	rec := &recorder{ch: make(chan Event, 256)}
	changes := make(chan struct{}, 1)
	k, err := New(Config{Store: store, Reloader: fw, Events: rec.add, Changes: changes, Batch: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx) }()

	now := time.Now()
	for i := 0; i < 5; i++ {
		d := ssh("192.0.2.7", time.Hour)
		d.Src = netip.AddrFrom4([4]byte{192, 0, 2, byte(10 + i)})
		d.Expires = now.Add(time.Hour)
		if err := k.Open(d); err != nil {
			t.Fatal(err)
		}
	}
	waitEvent(t, rec.ch, EventReload) // start-up
	for i := 0; i < 5; i++ {
		waitEvent(t, rec.ch, EventOpen)
	}
	waitEvent(t, rec.ch, EventReload)
	if w, _ := store.counts(); w != 1 {
		t.Fatalf("%d writes for one burst", w)
	}
	if len(k.Doors()) != 5 {
		t.Fatalf("doors %v", k.Doors())
	}

	// Someone restores a door we never had: removed again.
	gone := ssh("198.51.100.1", time.Hour)
	gone.Expires = now.Add(time.Hour)
	store.mu.Lock()
	store.data = append(store.data, doorText(gone)...)
	store.mu.Unlock()
	changes <- struct{}{}
	if e := waitEvent(t, rec.ch, EventRemoved); e.Section != gone.ID() {
		t.Fatalf("removed %+v", e)
	}

	// A close queued right before cancellation is still written.
	k.Close("KnockSSH", netip.MustParseAddr("192.0.2.10"), 22)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(k.Doors()) != 4 {
		t.Fatalf("close lost at shutdown: %d doors", len(k.Doors()))
	}
}

func TestWatch(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "config")
	run := filepath.Join(dir, "run", "uci") // its parent exists, it does not yet
	for _, d := range []string{conf, filepath.Dir(run)} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	w, err := NewWatch(filepath.Join(conf, "firewall"), filepath.Join(run, "firewall"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	expect := func(what string, want bool) {
		t.Helper()
		wait := 2 * time.Second
		if !want {
			wait = 200 * time.Millisecond
		}
		select {
		case <-w.Changes():
			if !want {
				t.Fatalf("%s: unexpected notification", what)
			}
		case <-time.After(wait):
			if want {
				t.Fatalf("%s: no notification", what)
			}
		}
	}
	write := func(path string) {
		t.Helper()
		tmp := filepath.Join(filepath.Dir(path), ".tmp")
		if err := os.WriteFile(tmp, []byte("config x\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(conf, "firewall"))
	expect("rename over the config", true)
	if err := os.WriteFile(filepath.Join(conf, "network"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	expect("another config file", false)
	f, err := os.OpenFile(filepath.Join(conf, "firewall"), os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("config y\n")
	f.Close()
	expect("in-place rewrite (rpcd rollback)", true)
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	expect("override directory appears", true)
	write(filepath.Join(run, "firewall"))
	expect("override file written", true)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// jumpClock is a wall clock the test moves; its timers never fire, as a
// monotonic timer does not when only the wall clock jumps.
type jumpClock struct {
	mu  sync.Mutex // guards now
	now time.Time
}

func (c *jumpClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *jumpClock) NewTimer(time.Duration) Timer { return fakeTimer{} }

func (c *jumpClock) jump(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// TestRecheckAfterClockJump: after a boot on a stale clock a door opened
// for an hour; NTP then steps the wall clock two days ahead. The door's
// expiry is in the past now and it must close at once, not when the
// monotonic wait for it ends.
func TestRecheckAfterClockJump(t *testing.T) {
	store := newStore(t, baseConfig)
	clock := &jumpClock{now: t0}
	ch := make(chan Event, 64)
	k, err := New(Config{Store: store, Reloader: &fakeFW{}, Clock: clock, Events: func(e Event) { ch <- e }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx) }()
	waitEvent(t, ch, EventReload) // start-up
	mustOpen(t, k, ssh("192.0.2.7", time.Hour))
	k.Recheck() // the fake timers never fire: wake Run for the batch
	clock.jump(200 * time.Millisecond)
	k.Recheck()
	waitEvent(t, ch, EventOpen)
	clock.jump(48 * time.Hour)
	k.Recheck()
	if e := waitEvent(t, ch, EventExpire); e.Src != netip.MustParseAddr("192.0.2.7") {
		t.Fatalf("expire event %+v", e)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
