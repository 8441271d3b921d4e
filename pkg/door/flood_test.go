package door

import (
	"net/netip"
	"testing"
	"time"
)

// TestCloseFloodDoesNotBlockOpens: close knocks for doors that are not
// open are dropped, repeated closes of one door are one, the queue stays
// bounded, and opens are never refused because of closes.
func TestCloseFloodDoesNotBlockOpens(t *testing.T) {
	h := newHarness(t, baseConfig, func(c *Config) { c.MaxDoors = 4 })
	h.start(t)
	open := ssh("192.0.2.7", time.Hour)
	mustOpen(t, h.k, open)
	h.at(100 * time.Millisecond)
	for i := 0; i < 10000; i++ {
		// Spoofed sources whose doors are not open, and the open door
		// closed again and again.
		src := netip.AddrFrom4([4]byte{198, 18, byte(i >> 8), byte(i)})
		h.k.Close("KnockSSH", src, 22)
		h.k.Close(open.Prefix, open.Src, open.Port)
	}
	h.k.mu.Lock()
	queued := len(h.k.pending)
	h.k.mu.Unlock()
	if queued > 1 {
		t.Errorf("%d changes queued after 20,000 closes of one open door and of doors never opened, want 1", queued)
	}
	next := ssh("192.0.2.8", time.Hour)
	if err := h.k.Open(next); err != nil {
		t.Fatalf("open after a close flood: %v", err)
	}
	h.at(200 * time.Millisecond)
	h.at(300 * time.Millisecond)
	if ids := h.ownIDs(t); len(ids) != 1 || baseID(ids[0]) != next.ID() {
		t.Fatalf("own sections %v, want only %s\n%s", ids, next.ID(), h.rec)
	}
	if n := h.rec.count(EventClose); n != 1 {
		t.Fatalf("%d close events, want 1\n%s", n, h.rec)
	}
}

// TestCloseOrderWithinBatch: within one batch the last word about a door
// wins, as if each change were written at once.
func TestCloseOrderWithinBatch(t *testing.T) {
	h := newHarness(t, baseConfig, nil)
	h.start(t)
	a, b := ssh("192.0.2.7", time.Hour), ssh("192.0.2.8", time.Hour)
	mustOpen(t, h.k, a)
	h.k.Close(a.Prefix, a.Src, a.Port) // open then close: closed
	h.k.Close(b.Prefix, b.Src, b.Port) // close then open: open
	mustOpen(t, h.k, b)
	h.at(100 * time.Millisecond)
	if ids := h.ownIDs(t); len(ids) != 1 || baseID(ids[0]) != b.ID() {
		t.Fatalf("own sections %v, want only %s\n%s", ids, b.ID(), h.rec)
	}
}

// TestCloseBeforeStartKept: a close that arrives before the keeper has
// read the config (so before it knows which doors are open) still closes
// an adopted door.
func TestCloseBeforeStartKept(t *testing.T) {
	d := ssh("192.0.2.7", time.Hour)
	h := newHarness(t, baseConfig+doorText(d), nil)
	h.k.Close(d.Prefix, d.Src, d.Port)
	h.at(0)
	h.at(100 * time.Millisecond)
	if ids := h.ownIDs(t); len(ids) != 0 {
		t.Fatalf("door closed before start-up still there: %v\n%s", ids, h.rec)
	}
}

// TestReloadAtMostOncePerWindow: whatever the input — opens, closes and
// expiries timed to fall between each other's batches — the keeper
// reloads the firewall at most once per batch window: two reloads are
// never closer than the window.
func TestReloadAtMostOncePerWindow(t *testing.T) {
	const batch = 100 * time.Millisecond
	h := newHarness(t, baseConfig, func(c *Config) { c.Batch = batch; c.MaxDoors = 1024 })
	h.start(t)
	var reloads []time.Time
	h.k.cfg.Events = func(e Event) {
		if e.Kind == EventReload {
			reloads = append(reloads, e.Time)
		}
	}
	const span = 10 * time.Second
	for now, i := time.Duration(0), 0; now < span; now += time.Millisecond {
		// An open every 150ms whose expiry (1.13s later) falls just after
		// the window an earlier batch took expiries for, and before the
		// next batch of opens is due; now and then a close.
		if now%(150*time.Millisecond) == 0 {
			d := ssh(netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}).String(), 0)
			d.Opened, d.Expires = t0.Add(now), t0.Add(now+1130*time.Millisecond)
			mustOpen(t, h.k, d)
			if i%4 == 3 {
				h.k.Close("KnockSSH", netip.AddrFrom4([4]byte{192, 0, 2, byte(i - 2)}), 22)
			}
			i++
		}
		h.at(now)
	}
	h.at(span + 2*time.Second)
	if len(reloads) < 50 {
		t.Fatalf("only %d reloads: the input did not exercise the keeper", len(reloads))
	}
	for i := 1; i < len(reloads); i++ {
		if gap := reloads[i].Sub(reloads[i-1]); gap < batch {
			t.Fatalf("reloads at +%v and +%v: %v apart, less than the %v batch window (%d reloads in all)",
				reloads[i-1].Sub(t0), reloads[i].Sub(t0), gap, batch, len(reloads))
		}
	}
	if limit := int((span+2*time.Second)/batch) + 1; len(reloads) > limit {
		t.Fatalf("%d reloads in %v, want at most %d", len(reloads), span+2*time.Second, limit)
	}
}
