package door

import (
	"net/netip"
	"testing"
	"time"

	"github.com/uciknock/uciknock/uci"
)

// hookedStore runs during after each write, while the keeper is still in
// the flush that wrote it: what a close knocked by a client that saw its
// door in the file meets.
type hookedStore struct {
	*fakeStore
	during func()
}

func (s *hookedStore) Update(fn func(p *uci.Package) error) (bool, error) {
	changed, err := s.fakeStore.Update(fn)
	if s.during != nil {
		during := s.during
		s.during = nil
		during()
	}
	return changed, err
}

// TestCloseDuringOpenWrite: a close of a door whose open is being written
// (taken from the queue, not yet in view) is kept and closes the door; it
// was dropped as "neither open nor queued", so the door stayed open
// (TestE2ETermWritesPendingCloses saw it under load).
func TestCloseDuringOpenWrite(t *testing.T) {
	hs := &hookedStore{}
	h := newHarness(t, baseConfig, func(c *Config) {
		hs.fakeStore = c.Store.(*fakeStore)
		c.Store = hs
	})
	h.start(t)
	d := ssh("192.0.2.7", time.Hour)
	mustOpen(t, h.k, d)
	hs.during = func() { h.k.Close(d.Prefix, d.Src, d.Port) }
	h.at(100 * time.Millisecond)
	if ids := h.ownIDs(t); len(ids) != 1 {
		t.Fatalf("the open was not written: %v\n%s", ids, h.rec)
	}
	h.at(300 * time.Millisecond)
	if ids := h.ownIDs(t); len(ids) != 0 {
		t.Fatalf("a close that came while its door's open was written was lost: %v still open\n%s", ids, h.rec)
	}
}

// TestCloseFloodDuringOpenWrite: the bound on the queue (issue 10 item 4:
// at most one change per open or being-opened door, closes of doors never
// opened dropped) holds while a write is in flight, when the doors being
// opened are in neither the queue nor the view: a flood of closes from
// spoofed sources, and of the open doors again and again, queues one
// close per door, and those closes are written. For a rule and a redirect.
func TestCloseFloodDuringOpenWrite(t *testing.T) {
	fwd := func(src string) Door {
		return Door{Kind: Redirect, Prefix: "KnockFwd", Sequence: "fwd", Src: netip.MustParseAddr(src), Port: 2222,
			DestIP: netip.MustParseAddr("192.168.1.10"), DestPort: 22, Opened: t0, Expires: t0.Add(time.Hour)}
	}
	for _, tt := range []struct {
		name string
		door func(src string) Door
	}{
		{"rule", func(src string) Door { return ssh(src, time.Hour) }},
		{"redirect", fwd},
	} {
		t.Run(tt.name, func(t *testing.T) {
			hs := &hookedStore{}
			h := newHarness(t, baseConfig, func(c *Config) {
				hs.fakeStore = c.Store.(*fakeStore)
				c.Store = hs
			})
			h.start(t)
			// open is in view (written before), writing is being written
			// when the flood comes.
			open, writing := tt.door("192.0.2.7"), tt.door("192.0.2.8")
			mustOpen(t, h.k, open)
			h.at(100 * time.Millisecond)
			mustOpen(t, h.k, writing)
			queued := -1
			hs.during = func() {
				for i := 0; i < 1000; i++ {
					src := netip.AddrFrom4([4]byte{198, 18, byte(i >> 8), byte(i)})
					h.k.Close(open.Prefix, src, open.Port)
					h.k.Close(open.Prefix, open.Src, open.Port)
					h.k.Close(writing.Prefix, writing.Src, writing.Port)
				}
				h.k.mu.Lock()
				queued = len(h.k.pending)
				h.k.mu.Unlock()
			}
			h.at(200 * time.Millisecond)
			if queued != 2 {
				t.Fatalf("%d changes queued by 3,000 closes during a write (1,000 of doors never opened), want 2: one per open or being-opened door\n%s", queued, h.rec)
			}
			if ids := h.ownIDs(t); len(ids) != 2 {
				t.Fatalf("the open was not written: %v\n%s", ids, h.rec)
			}
			h.at(400 * time.Millisecond)
			if ids := h.ownIDs(t); len(ids) != 0 {
				t.Fatalf("closes queued during the write were lost: %v still open\n%s", ids, h.rec)
			}
			if n := h.rec.count(EventClose); n != 2 {
				t.Fatalf("%d close events, want 2\n%s", n, h.rec)
			}
		})
	}
}

// TestShutdownWritesClosesDuringFlush: a close that arrives while the
// shutdown flush writes is written too. It was queued and never written:
// its kernel element was already removed, but the section stayed, so the
// door came back after a restart until its expiry.
func TestShutdownWritesClosesDuringFlush(t *testing.T) {
	hs := &hookedStore{}
	h := newHarness(t, baseConfig, func(c *Config) {
		hs.fakeStore = c.Store.(*fakeStore)
		c.Store = hs
	})
	h.start(t)
	a, b := ssh("192.0.2.7", time.Hour), ssh("192.0.2.8", time.Hour)
	mustOpen(t, h.k, a)
	mustOpen(t, h.k, b)
	h.at(100 * time.Millisecond)
	if ids := h.ownIDs(t); len(ids) != 2 {
		t.Fatalf("the opens were not written: %v\n%s", ids, h.rec)
	}
	h.k.Close(a.Prefix, a.Src, a.Port)
	hs.during = func() { h.k.Close(b.Prefix, b.Src, b.Port) }
	h.k.shutdown()
	if ids := h.ownIDs(t); len(ids) != 0 {
		t.Fatalf("a close that came during the shutdown flush was not written: %v still open\n%s", ids, h.rec)
	}
	if n := h.rec.count(EventClose); n != 2 {
		t.Fatalf("%d close events, want 2\n%s", n, h.rec)
	}
}
