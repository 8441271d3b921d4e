package knock

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"
)

// watchedStore records Store calls; Handle must never make one.
type watchedStore struct {
	mu     sync.Mutex
	keys   []string
	stores int
}

func (w *watchedStore) Load() ([]string, error) { return nil, nil }
func (w *watchedStore) Store(keys []string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.keys, w.stores = keys, w.stores+1
	return nil
}

// Handle marks one-time and TOTP uses in memory and returns them; the
// caller stores them (issue 11: no I/O under the matcher's lock).
func TestHandleDoesNotStore(t *testing.T) {
	ot, tp := &watchedStore{}, &watchedStore{}
	e := mustNew(t, Config{Sequences: []Sequence{oneTimeSeq(t, ot, "1001,1002", "2001"), totpSeq(tp)}, Capacity: 8, FirstCapacity: 8})
	var uses []*Use
	for _, k := range knockSteps(0, A, "1001,1002") {
		for _, ev := range e.Handle(k.knock(t), nil) {
			uses = append(uses, ev.Use)
		}
	}
	c := uint64(t0.Unix() / 30)
	for _, k := range totpKnocks(c, 10*time.Second, A) {
		for _, ev := range e.Handle(k.knock(t), nil) {
			uses = append(uses, ev.Use)
		}
	}
	if ot.stores != 0 || tp.stores != 0 {
		t.Fatalf("Handle stored: one-time %d, TOTP %d times", ot.stores, tp.stores)
	}
	if len(uses) != 2 || uses[0] == nil || uses[1] == nil {
		t.Fatalf("uses %v", uses)
	}
	// Used in memory already: a replay is refused before anything is stored.
	if got := run(t, e, knockSteps(time.Second, "192.0.2.8", "1001,1002")); len(got) != 0 {
		t.Errorf("replay before the store: %v", got)
	}
	for _, u := range uses {
		if err := u.Store(); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(ot.keys, []string{"1001:tcp,1002:tcp"}) || !reflect.DeepEqual(tp.keys, []string{fmt.Sprintf("totp:%d", c)}) {
		t.Errorf("stored %q and %q", ot.keys, tp.keys)
	}
}

// Uses stored out of order (two capture goroutines) never let an older
// record overwrite a newer one; the older one is durable through it.
func TestUseStoreOrder(t *testing.T) {
	st := &watchedStore{}
	e := mustNew(t, Config{Sequences: []Sequence{oneTimeSeq(t, st, "1001", "2001")}, Capacity: 8, FirstCapacity: 8})
	first := e.Handle(kn{0, A, "1001", 0, ""}.knock(t), nil)
	second := e.Handle(kn{ms, A, "2001", 0, ""}.knock(t), nil)
	if len(first) != 1 || len(second) != 1 {
		t.Fatalf("events %v %v", first, second)
	}
	for _, u := range []*Use{second[0].Use, first[0].Use, second[0].Use} {
		if err := u.Store(); err != nil {
			t.Fatal(err)
		}
	}
	if st.stores != 1 || !reflect.DeepEqual(st.keys, []string{"1001:tcp", "2001:tcp"}) {
		t.Errorf("%d stores, record %q", st.stores, st.keys)
	}
}

// A failed store is retried by a later Use of the same sequence, which
// carries the whole record.
func TestUseStoreAfterFailure(t *testing.T) {
	fs := &flakyStore{fail: true}
	e := mustNew(t, Config{Sequences: []Sequence{oneTimeSeq(t, fs, "1001", "2001")}, Capacity: 8, FirstCapacity: 8})
	u1 := e.Handle(kn{0, A, "1001", 0, ""}.knock(t), nil)[0].Use
	if err := u1.Store(); err == nil {
		t.Fatal("store error not returned")
	}
	fs.fail = false
	u2 := e.Handle(kn{ms, A, "2001", 0, ""}.knock(t), nil)[0].Use
	if err := u2.Store(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fs.keys, []string{"1001:tcp", "2001:tcp"}) {
		t.Errorf("record %q", fs.keys)
	}
}

type flakyStore struct {
	fail bool
	keys []string
}

func (f *flakyStore) Load() ([]string, error) { return nil, nil }
func (f *flakyStore) Store(keys []string) error {
	if f.fail {
		return fmt.Errorf("disk full")
	}
	f.keys = keys
	return nil
}
