package door

import (
	"bytes"
	"context"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uciknock/uciknock/pkg/localtime"
	"github.com/uciknock/uciknock/uci"
)

// baseConfig is a small firewall config with a user rule whose name looks
// like one of ours, a user section with our id prefix but no marker, and
// an anonymous clone of a door (marker, but no id): none may be touched.
const baseConfig = `
config defaults
	option input 'REJECT'

config zone
	option name 'wan'
	list network 'wan'

config rule 'user_ssh'
	option name 'KnockSSH_192.0.2.7_22'
	option src 'wan'
	option src_ip '192.0.2.7'
	option proto 'tcp'
	option dest_port '22'
	option target 'ACCEPT'

config rule 'uciknock_mine'
	option name 'a user rule that merely starts with our prefix'
	option src 'wan'
	option target 'ACCEPT'

config rule
	option name 'KnockSSH_192.0.2.7_22'
	option src 'wan'
	option src_ip '192.0.2.7'
	option proto 'tcp'
	option dest_port '22'
	option target 'ACCEPT'
	option uciknock 'expires=1'
`

var t0 = time.Date(2026, 11, 25, 21, 0, 0, 0, time.UTC)

// fakeStore keeps the config in memory and parses and renders it with
// package uci, as the real file would.
type fakeStore struct {
	mu     sync.Mutex // guards all fields
	data   []byte
	err    error // returned by Read and Update when set
	writes int
	reads  int
}

func newStore(t testing.TB, text string) *fakeStore {
	t.Helper()
	if _, err := uci.Parse("firewall", []byte(text)); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return &fakeStore{data: []byte(text)}
}

func (f *fakeStore) Read() (*uci.Package, []byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	if f.err != nil {
		return nil, nil, f.err
	}
	p, err := uci.Parse("firewall", f.data)
	return p, append([]byte(nil), f.data...), err
}

func (f *fakeStore) Update(fn func(p *uci.Package) error) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return false, f.err
	}
	p, err := uci.Parse("firewall", f.data)
	if err != nil {
		return false, err
	}
	before := p.Commit()
	if err := fn(p); err != nil {
		return false, err
	}
	out := p.Commit()
	if bytes.Equal(out, before) {
		return false, nil
	}
	f.data = out
	f.writes++
	return true, nil
}

// edit changes the file as another writer would (LuCI, a rollback).
func (f *fakeStore) edit(t testing.TB, fn func(p *uci.Package)) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	p, err := uci.Parse("firewall", f.data)
	if err != nil {
		t.Fatal(err)
	}
	fn(p)
	f.data = p.Commit()
}

func (f *fakeStore) pkg(t testing.TB) *uci.Package {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	p, err := uci.Parse("firewall", f.data)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fakeStore) text() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return string(f.data)
}

func (f *fakeStore) counts() (writes, reads int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.writes, f.reads
}

// fakeFW is the firewall: counts checks and reloads, fails on demand.
type fakeFW struct {
	mu         sync.Mutex // guards all fields
	checks     int
	reloads    int          // attempts
	loads      int          // reloads that loaded
	check      func() error // nil: passes; a failing check fails reloads too, as in fw4
	reloadErrs []error      // consumed one per reload
}

func (f *fakeFW) Check(ctx context.Context) error {
	f.mu.Lock()
	f.checks++
	c := f.check
	f.mu.Unlock()
	if c != nil {
		return c()
	}
	return nil
}

func (f *fakeFW) Reload(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reloads++
	if len(f.reloadErrs) > 0 {
		err := f.reloadErrs[0]
		f.reloadErrs = f.reloadErrs[1:]
		return err
	}
	if f.check != nil {
		if err := f.check(); err != nil {
			return err
		}
	}
	f.loads++
	return nil
}

func (f *fakeFW) counts() (checks, reloads int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.checks, f.reloads
}

type killCall struct {
	src   netip.Addr
	proto string
	port  uint16
}

type fakeKiller struct {
	mu    sync.Mutex // guards calls
	calls []killCall
}

func (f *fakeKiller) Kill(src netip.Addr, proto string, port uint16) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, killCall{src, proto, port})
	return 1, nil
}

// recorder collects events.
type recorder struct {
	mu  sync.Mutex // guards evs
	evs []Event
	ch  chan Event // optional tap for Run tests
}

func (r *recorder) add(e Event) {
	r.mu.Lock()
	r.evs = append(r.evs, e)
	r.mu.Unlock()
	if r.ch != nil {
		r.ch <- e
	}
}

func (r *recorder) count(k EventKind) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.evs {
		if e.Kind == k {
			n++
		}
	}
	return n
}

func (r *recorder) last(k EventKind) Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.evs) - 1; i >= 0; i-- {
		if r.evs[i].Kind == k {
			return r.evs[i]
		}
	}
	return Event{}
}

func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, e := range r.evs {
		b.WriteString(e.Kind.String() + " " + e.Name + ": " + e.Reason)
		if e.Err != nil {
			b.WriteString(" (" + e.Err.Error() + ")")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// fakeClock only answers Now; tests drive the keeper through tick.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time                 { return c.now }
func (c *fakeClock) NewTimer(d time.Duration) Timer { return fakeTimer{} }

type fakeTimer struct{}

func (fakeTimer) C() <-chan time.Time { return nil }
func (fakeTimer) Stop() bool          { return true }

type harness struct {
	k     *Keeper
	store *fakeStore
	fw    *fakeFW
	rec   *recorder
	clock *fakeClock
	kill  *fakeKiller
}

func newHarness(t testing.TB, text string, tune func(*Config)) *harness {
	t.Helper()
	h := &harness{store: newStore(t, text), fw: &fakeFW{}, rec: &recorder{},
		clock: &fakeClock{now: t0}, kill: &fakeKiller{}}
	cfg := Config{Store: h.store, Reloader: h.fw, Clock: h.clock, Events: h.rec.add, Sessions: h.kill,
		Limit: TimeLimit{Local: func(t time.Time) string { return t.UTC().Format(localtime.StopDateLayout) }}}
	if tune != nil {
		tune(&cfg)
	}
	k, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.k = k
	return h
}

// start runs the keeper's start-up at t0: it reads the config, writes
// nothing (no doors to adopt or expire) and reloads once. The firewall
// counters are reset afterwards so tests count only their own work.
func (h *harness) start(t testing.TB) {
	t.Helper()
	h.at(0)
	if w, _ := h.store.counts(); w != 0 || h.rec.count(EventReload) != 1 {
		t.Fatalf("start-up: %d writes\n%s", w, h.rec)
	}
	h.fw.mu.Lock()
	h.fw.checks, h.fw.reloads, h.fw.loads = 0, 0, 0
	h.fw.mu.Unlock()
}

// at advances the fake clock to t0+d and runs everything due.
func (h *harness) at(d time.Duration) {
	h.clock.now = t0.Add(d)
	h.k.tick(context.Background(), h.clock.now)
}

func ssh(src string, exp time.Duration) Door {
	return Door{Kind: Rule, Prefix: "KnockSSH", Sequence: "ssh", Src: netip.MustParseAddr(src), Port: 22,
		Opened: t0, Expires: t0.Add(exp)}
}

// ownIDs lists the ids of our sections in the store, in file order.
func (h *harness) ownIDs(t testing.TB) []string {
	t.Helper()
	var ids []string
	for _, s := range h.store.pkg(t).Sections {
		if _, _, ok := owned(s); ok {
			ids = append(ids, s.Name)
		}
	}
	return ids
}
