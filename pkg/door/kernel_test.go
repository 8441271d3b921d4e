package door

import (
	"errors"

	"github.com/uciknock/uciknock/uci"
	"sync"
	"testing"
	"time"
)

// fakeKernel records the fast path: which doors are live.
type fakeKernel struct {
	mu   sync.Mutex // guards all fields
	live map[string]Door
	log  []string
	fail error // Open fails with it (no fast path)
}

func (f *fakeKernel) Open(d Door) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, "open "+d.ID())
	if f.fail != nil {
		return f.fail
	}
	if f.live == nil {
		f.live = make(map[string]Door)
	}
	f.live[d.ID()] = d
	return nil
}

func (f *fakeKernel) Close(d Door) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.live[d.ID()]; ok {
		f.log = append(f.log, "close "+d.ID())
	}
	delete(f.live, d.ID())
}

func (f *fakeKernel) isLive(d Door) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.live[d.ID()]
	return ok
}

func kernelHarness(t *testing.T) (*harness, *fakeKernel) {
	fk := &fakeKernel{}
	h := newHarness(t, baseConfig, func(c *Config) { c.Kernel = fk })
	h.start(t)
	return h, fk
}

func TestKernelOpenBeforeWriteCloseAtOnce(t *testing.T) {
	h, fk := kernelHarness(t)
	d := ssh("192.0.2.7", time.Hour)
	mustOpen(t, h.k, d)
	// Live before the batch window ends, before any write or reload.
	if !fk.isLive(d) {
		t.Fatal("door not live in the kernel at Open")
	}
	wantCounts(t, h, 0, 0)
	h.at(100 * time.Millisecond)
	wantCounts(t, h, 1, 1)
	h.k.Close(d.Prefix, d.Src, d.Port)
	if fk.isLive(d) {
		t.Fatal("door still live in the kernel after Close, before the write")
	}
	h.at(200 * time.Millisecond)
	if ids := h.ownIDs(t); len(ids) != 0 {
		t.Fatalf("section still there: %v", ids)
	}
}

func TestKernelExpiryAndRollbackClose(t *testing.T) {
	h, fk := kernelHarness(t)
	d := ssh("192.0.2.7", time.Minute)
	mustOpen(t, h.k, d)
	h.at(100 * time.Millisecond)
	h.at(time.Minute)
	if fk.isLive(d) || h.rec.count(EventExpire) != 1 {
		t.Fatalf("expired door live=%v\n%s", fk.isLive(d), h.rec)
	}
	// A door whose section breaks the ruleset is rolled back: out of
	// the kernel too.
	bad := ssh("192.0.2.66", time.Hour)
	h.fw.check = func() error {
		if len(h.ownIDs(t)) > 0 {
			return errors.New("Error: bad")
		}
		return nil
	}
	mustOpen(t, h.k, bad)
	h.at(2 * time.Minute)
	if fk.isLive(bad) || h.rec.count(EventRollback) != 1 {
		t.Fatalf("rolled back door live=%v\n%s", fk.isLive(bad), h.rec)
	}
}

func TestKernelAdoptedDoorsGoLive(t *testing.T) {
	d := ssh("192.0.2.7", time.Hour)
	fk := &fakeKernel{}
	h := newHarness(t, baseConfig+doorText(d), func(c *Config) { c.Kernel = fk })
	h.at(0)
	if !fk.isLive(d) {
		t.Fatalf("adopted door not put into the kernel: %v", fk.log)
	}
}

// TestRefreshWritesPer100Knocks is the figure of issue 12: with the door
// live in the kernel, 100 repeat knocks one second apart on a one-hour
// door cost no flash write (the stored expiry is off by at most 100 s,
// under 10 % of the timeout); without a fast path each one is written.
func TestRefreshWritesPer100Knocks(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fail   error
		writes int
	}{
		{"live in kernel", nil, 0},
		{"no fast path", errors.New("no set"), 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, fk := kernelHarness(t)
			fk.fail = tc.fail
			d := ssh("192.0.2.7", time.Hour)
			mustOpen(t, h.k, d)
			h.at(100 * time.Millisecond)
			w0, _ := h.store.counts()
			for i := 1; i <= 100; i++ {
				at := time.Duration(i) * time.Second
				d.Opened, d.Expires = t0.Add(at), t0.Add(at+time.Hour)
				mustOpen(t, h.k, d)
				h.at(at + 100*time.Millisecond)
			}
			w1, _ := h.store.counts()
			if got := w1 - w0; got != tc.writes {
				t.Fatalf("%d writes per 100 repeat knocks, want %d", got, tc.writes)
			}
			if h.rec.count(EventRefresh) != 100 {
				t.Fatalf("%d refresh events", h.rec.count(EventRefresh))
			}
			// Far enough off (> 360 s): written again.
			d.Opened, d.Expires = t0.Add(400*time.Second), t0.Add(400*time.Second+time.Hour)
			mustOpen(t, h.k, d)
			h.at(400*time.Second + 100*time.Millisecond)
			if w2, _ := h.store.counts(); w2 != w1+1 {
				t.Fatalf("expiry 400 s off not written (%d writes)", w2-w1)
			}
			if doors := h.k.Doors(); len(doors) != 1 || !doors[0].Expires.Equal(d.Expires) {
				t.Fatalf("keeper expiry %v, want %v", doors, d.Expires)
			}
		})
	}
}

func TestCloseEnough(t *testing.T) {
	base := t0.Add(time.Hour)
	for _, tc := range []struct {
		stored, exp time.Time
		timeout     time.Duration
		want        bool
	}{
		{base, base.Add(59 * time.Second), time.Minute, true}, // at least 60 s
		{base, base.Add(61 * time.Second), time.Minute, false},
		{base, base.Add(6 * time.Minute), time.Hour, true}, // 10 %
		{base, base.Add(6*time.Minute + time.Second), time.Hour, false},
		{base, base.Add(-time.Second), time.Hour, false}, // stored later: never
		{time.Time{}, base, time.Hour, false},
	} {
		if got := closeEnough(tc.stored, tc.exp, tc.timeout); got != tc.want {
			t.Errorf("closeEnough(%v, %v, %v) = %v", tc.stored, tc.exp, tc.timeout, got)
		}
	}
}

// TestKernelFollowsUserEdit: a door a user disables in LuCI leaves the
// fast path (the element must not match more than the section), and a
// refresh does not bring it back; enabled again, it returns.
func TestKernelFollowsUserEdit(t *testing.T) {
	h, fk := kernelHarness(t)
	d := ssh("192.0.2.7", time.Hour)
	mustOpen(t, h.k, d)
	h.at(100 * time.Millisecond)
	set := func(v string) {
		h.store.edit(t, func(p *uci.Package) { doorSection(p, d).Set("enabled", v) })
		h.k.st.noteChange(h.clock.now, h.k.cfg.Batch)
	}
	set("0")
	h.at(time.Second)
	if fk.isLive(d) {
		t.Fatal("disabled door still live in the kernel")
	}
	d.Expires = t0.Add(2 * time.Hour)
	mustOpen(t, h.k, d)
	h.at(2 * time.Second)
	if fk.isLive(d) {
		t.Fatal("a refresh put a disabled door back into the kernel")
	}
	set("1")
	h.at(3 * time.Second)
	if !fk.isLive(d) {
		t.Fatal("re-enabled door not back in the kernel")
	}
}
