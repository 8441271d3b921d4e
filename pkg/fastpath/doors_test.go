package fastpath

import (
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/uciknock/uciknock/pkg/door"
)

// fakeKernel holds elements per set; missing sets fail like ENOENT.
type fakeKernel struct {
	mu    sync.Mutex // guards all fields
	sets  map[string]map[string]time.Duration
	calls int
}

func newFake(sets ...string) *fakeKernel {
	f := &fakeKernel{sets: map[string]map[string]time.Duration{}}
	for _, s := range sets {
		f.sets[s] = map[string]time.Duration{}
	}
	return f
}

func wanSets() []string {
	var out []string
	for _, k := range kinds {
		out = append(out, SetName("wan", k, 4), SetName("wan", k, 6))
	}
	return out
}

func (f *fakeKernel) Apply(dels, adds []Elem, to time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	for _, e := range append(append([]Elem{}, dels...), adds...) {
		if f.sets[e.Set] == nil {
			return errors.New("no such file or directory")
		}
	}
	for _, e := range dels {
		if _, ok := f.sets[e.Set][string(e.Key)]; !ok {
			return errors.New("no such file or directory")
		}
	}
	for _, e := range dels {
		delete(f.sets[e.Set], string(e.Key))
	}
	for _, e := range adds {
		f.sets[e.Set][string(e.Key)] = to
	}
	return nil
}

func (f *fakeKernel) Sets() ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for s := range f.sets {
		out = append(out, s)
	}
	return out, nil
}

func (f *fakeKernel) has(set string, key []byte) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.sets[set][string(key)]
	return ok
}

var now0 = time.Unix(1_800_000_000, 0)

func rule(src string, exp time.Duration) door.Door {
	d, _ := door.Door{Kind: door.Rule, Prefix: "K", Src: netip.MustParseAddr(src), Port: 22, Expires: now0.Add(exp)}.Normalize()
	return d
}

func TestOpenCloseResync(t *testing.T) {
	k := newFake(wanSets()...)
	ds := New(Config{Kernel: k, Now: func() time.Time { return now0 }, MaxDoors: 2})
	a, b, c := rule("192.0.2.7", time.Hour), rule("2001:db8::7", time.Hour), rule("192.0.2.8", time.Hour)
	for _, d := range []door.Door{a, b} {
		if err := ds.Open(d); err != nil {
			t.Fatal(err)
		}
	}
	if err := ds.Open(c); !errors.Is(err, ErrFull) {
		t.Fatalf("third door: %v, want ErrFull", err)
	}
	ea, _ := Elements(a)
	if !k.has(ea[0].Set, ea[0].Key) || k.sets[ea[0].Set][string(ea[0].Key)] != time.Hour {
		t.Fatal("a not in the kernel with its timeout")
	}
	ds.Close(a)
	if k.has(ea[0].Set, ea[0].Key) || !k.has(SetName("wan", kindShut, 4), ea[0].Key) {
		t.Fatal("closed door still live, or not shut")
	}
	// The table is re-created: everything is gone; only b comes back.
	for s := range k.sets {
		k.sets[s] = map[string]time.Duration{}
	}
	if n, err := ds.Resync(true); n != 1 || err != nil {
		t.Fatalf("resync: %d, %v", n, err)
	}
	if k.has(ea[0].Set, ea[0].Key) {
		t.Fatal("a closed door came back with a resync")
	}
	if w, in := ds.Count(); w != 1 || in != 1 || !ds.Live(b.ID()) || ds.Live(a.ID()) {
		t.Fatalf("count %d/%d", w, in)
	}
}

func TestNoSetsNoFastPath(t *testing.T) {
	k := newFake() // include missing
	ds := New(Config{Kernel: k, Now: func() time.Time { return now0 }})
	a := rule("192.0.2.7", time.Hour)
	if err := ds.Open(a); !errors.Is(err, ErrNoFastPath) {
		t.Fatalf("open without sets: %v", err)
	}
	if ds.Live(a.ID()) {
		t.Fatal("live without sets")
	}
	// The include appears (fw4 reloaded with it): a resync makes it live.
	for _, s := range wanSets() {
		k.sets[s] = map[string]time.Duration{}
	}
	if n, _ := ds.Resync(true); n != 1 || !ds.Live(a.ID()) {
		t.Fatal("not live after the sets appeared")
	}
	if zones, _ := Available(k); !zones["wan"] {
		t.Fatalf("Available = %v", zones)
	}
}

func TestExpiredNotWritten(t *testing.T) {
	k := newFake(wanSets()...)
	clock := now0
	ds := New(Config{Kernel: k, Now: func() time.Time { return clock }})
	a := rule("192.0.2.7", time.Minute)
	if err := ds.Open(a); err != nil {
		t.Fatal(err)
	}
	clock = now0.Add(time.Minute)
	if n, _ := ds.Resync(true); n != 0 {
		t.Fatal("expired door written again")
	}
	if w, _ := ds.Count(); w != 0 {
		t.Fatal("expired door still wanted")
	}
}

func TestRestoreOnlyWanted(t *testing.T) {
	k := newFake(wanSets()...)
	ds := New(Config{Kernel: k, Now: func() time.Time { return now0 }})
	a, b := rule("192.0.2.7", time.Hour), rule("192.0.2.8", time.Hour)
	ds.Open(a)
	ds.Open(b)
	ds.Close(b)
	ea, _ := Elements(a)
	eb, _ := Elements(b)
	delete(k.sets[ea[0].Set], string(ea[0].Key)) // someone deleted a
	gone := map[string]map[string]bool{ea[0].Set: {string(ea[0].Key): true, string(eb[0].Key): true}}
	if n, err := ds.restore(gone); n != 1 || err != nil {
		t.Fatalf("restore: %d %v", n, err)
	}
	if !k.has(ea[0].Set, ea[0].Key) || k.has(eb[0].Set, eb[0].Key) {
		t.Fatal("restore must bring back a (wanted) and not b (closed)")
	}
}

type devKernel struct {
	*fakeKernel
	zone []string
	set  map[string][]string
	sets int
}

func (d *devKernel) ZoneDevices(zone string) ([]string, error) { return d.zone, nil }
func (d *devKernel) SetDevices(zone string, devs []string) error {
	d.set[zone] = devs
	d.sets++
	return nil
}

// TestSyncDevices: the zone's interfaces are copied when they change,
// and again after the table was created anew.
func TestSyncDevices(t *testing.T) {
	k := &devKernel{fakeKernel: newFake(wanSets()...), zone: []string{"eth1"}, set: map[string][]string{}}
	ds := New(Config{Kernel: k})
	zones, err := Available(k)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := ds.SyncDevices(zones); err != nil {
			t.Fatal(err)
		}
	}
	if k.sets != 1 || len(k.set["wan"]) != 1 || k.set["wan"][0] != "eth1" {
		t.Fatalf("%d writes, set %v", k.sets, k.set)
	}
	k.zone = []string{"pppoe-wan", "eth1"}
	ds.SyncDevices(zones)
	ds.Resync(true)
	ds.SyncDevices(zones)
	if k.sets != 3 || len(k.set["wan"]) != 2 {
		t.Fatalf("%d writes, set %v", k.sets, k.set)
	}
}
