package door

import (
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
