package fastpath

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/uciknock/uciknock/pkg/door"
)

// Kernel writes elements to table inet fw4: one call is one netlink
// batch, applied atomically (all or nothing). NFT is the production
// implementation; tests use a fake.
type Kernel interface {
	// Apply deletes dels and adds adds, each add with timeout (0: none).
	Apply(dels, adds []Elem, timeout time.Duration) error
	// Sets lists the names of our sets in table inet fw4 (nil, nil when
	// the table does not exist).
	Sets() ([]string, error)
}

// Devicer is the part of a Kernel that keeps the zones' device sets in
// step with fw4's zones (NFT implements it).
type Devicer interface {
	ZoneDevices(zone string) ([]string, error)
	SetDevices(zone string, devs []string) error
}

// SyncDevices copies, for every zone with our sets (zones: Available's
// answer, which the caller has for other uses too), the interfaces fw4
// sends to the zone into the zone's device set, when they changed. Run
// at start and after every change of fw4's table (Watch).
func (t *Doors) SyncDevices(zones map[string]bool) error {
	dv, ok := t.k.(Devicer)
	if !ok {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var first error
	for z, on := range zones {
		if !on {
			continue
		}
		devs, err := dv.ZoneDevices(z)
		if err == nil {
			sort.Slice(devs, func(i, j int) bool { return devs[i] < devs[j] }) // not sort.Strings: its generic sort is ~4 KB of the router binary
			key := strings.Join(devs, " ")
			if have, ok := t.devs[z]; ok && have == key {
				continue
			}
			if err = dv.SetDevices(z, devs); err == nil {
				t.devs[z] = key
				continue
			}
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// ErrFull is returned by Open when MaxDoors doors are live already.
var ErrFull = errors.New("fastpath: too many live doors")

// Config configures Doors.
type Config struct {
	Kernel Kernel
	// Now defaults to time.Now.
	Now func() time.Time
	// MaxDoors bounds the live doors (default 256, as door.Config).
	MaxDoors int
}

// Doors is the set of doors live in the kernel. Its methods may be called
// from any goroutine; kernel writes are serialised so that a Resync never
// brings back a door closed meanwhile.
type Doors struct {
	k   Kernel
	now func() time.Time
	max int

	mu   sync.Mutex // guards want, shut and every kernel write
	want map[string]*live
	shut map[string]shut   // by set + key
	devs map[string]string // zone -> devices last written to its set
}

// shut is a closed door's element in the shut set.
type shut struct {
	elem Elem
	at   time.Time
}

// ShutTimeout bounds how long a closed door stays in the shut set when
// no reload is reported (Reloaded): by then fw4 has long removed it.
const ShutTimeout = 10 * time.Minute

type live struct {
	door  door.Door
	elems []Elem
	in    bool // the elements are in the kernel (last write succeeded)
}

// New returns Doors writing through cfg.Kernel.
func New(cfg Config) *Doors {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxDoors <= 0 {
		cfg.MaxDoors = 256
	}
	return &Doors{k: cfg.Kernel, now: cfg.Now, max: cfg.MaxDoors, want: make(map[string]*live), shut: make(map[string]shut), devs: make(map[string]string)}
}

// timeout is the kernel timeout for a door expiring at exp: 0 for
// never, rounded up to a whole millisecond (the kernel's unit) so that
// it is never zero for a live door; ok is false when it has passed.
func (t *Doors) timeout(exp time.Time) (time.Duration, bool) {
	if exp.IsZero() {
		return 0, true
	}
	left := exp.Sub(t.now())
	if left <= 0 {
		return 0, false
	}
	return (left + time.Millisecond - 1).Truncate(time.Millisecond), true
}

// Open puts door d (normalised) into the kernel, or moves its timeout
// when it is there already. It returns ErrNoFastPath (wrapped) when its
// zone has no sets; the door is then remembered anyway, so that a later
// Resync (the include arriving, a table re-created) makes it live.
func (t *Doors) Open(d door.Door) error {
	elems, err := Elements(d)
	if err != nil {
		return err
	}
	id := d.ID()
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.want[id]
	if l == nil {
		if len(t.want) >= t.max {
			return ErrFull
		}
		l = &live{}
		t.want[id] = l
	}
	l.door, l.elems = d, elems
	t.unshut(d, elems)
	return t.write(l)
}

// write puts l's elements into the kernel with the remaining timeout.
// Elements already there (l.in) are deleted in the same batch (that is how
// a timeout moves: the kernel keeps an existing element's timeout on add);
// a caller that knows they are gone clears l.in first. Called with mu held.
func (t *Doors) write(l *live) error {
	to, ok := t.timeout(l.door.Expires)
	if !ok {
		t.drop(l)
		return nil
	}
	var err error
	if l.in {
		if err = t.k.Apply(l.elems, l.elems, to); err == nil {
			return nil
		}
		// Gone behind our back (kernel timeout, flush): add only.
	}
	if err = t.k.Apply(nil, l.elems, to); err != nil {
		l.in = false
		return fmt.Errorf("%w: %s: %v", ErrNoFastPath, l.door.FwName(), err)
	}
	l.in = true
	return nil
}

// drop deletes l's elements from the kernel and forgets l. Called with
// mu held.
func (t *Doors) drop(l *live) {
	delete(t.want, l.door.ID())
	if l.in {
		// A failure means they are gone already (timeout, table
		// deleted): nothing is left to close.
		_ = t.k.Apply(l.elems, nil, 0)
	}
}

// Close takes door d out of the kernel at once, unless the door was
// opened again with a later expiry than d's (d.Expires zero: always). Its section's fw4 rule
// may still be in the running ruleset (until the reload that removes
// it): the door goes into the shut set, which refuses it meanwhile.
func (t *Doors) Close(d door.Door) {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.want[d.ID()]
	if l == nil {
		return
	}
	if !d.Expires.IsZero() && l.door.Expires.After(d.Expires) {
		// Knocked open again since the caller's copy (an expiry
		// racing a refresh): the newer opening stays.
		return
	}
	delete(t.want, l.door.ID())
	var dels []Elem
	if l.in {
		dels = l.elems
	}
	adds := shutElems(l.door, l.elems)
	if err := t.k.Apply(dels, adds, ShutTimeout); err != nil {
		// Elements already gone (timeout, table deleted): still shut.
		_ = t.k.Apply(nil, adds, ShutTimeout)
	}
	now := t.now()
	for _, e := range adds {
		t.shut[e.Set+string(e.Key)] = shut{elem: e, at: now}
	}
}

// Reloaded reports a firewall reload that started at start and loaded:
// doors closed before it have no fw4 rule any more, so their shut
// elements go (a knock may open them again).
func (t *Doors) Reloaded(start time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, s := range t.shut {
		if s.at.Before(start) {
			delete(t.shut, k)
			_ = t.k.Apply([]Elem{s.elem}, nil, 0)
		}
	}
}

// unshut removes the shut elements of a door opened again (mu held).
func (t *Doors) unshut(d door.Door, elems []Elem) {
	for _, e := range shutElems(d, elems) {
		if _, ok := t.shut[e.Set+string(e.Key)]; ok {
			delete(t.shut, e.Set+string(e.Key))
			_ = t.k.Apply([]Elem{e}, nil, 0)
		}
	}
}

// Resync writes every wanted door into the kernel again (those whose
// time has passed are dropped): after a table or set was re-created,
// an element lost to a flush, or an include installed. An element
// already there keeps working throughout (it is replaced in one batch).
// lost says the elements are known to be gone (the table or set was
// created anew): they are added without first being replaced.
// It returns how many doors are live and the first error.
func (t *Doors) Resync(lost bool) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var first error
	n := 0
	if lost {
		clear(t.devs) // our device sets are new and empty too
	}
	for _, l := range t.want {
		if lost {
			l.in = false
		}
		if err := t.write(l); err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		if l.in {
			n++
		}
	}
	return n, first
}

// Available reports the zones whose sets are all declared in the kernel
// (fw4's table with our includes loaded).
func Available(k Kernel) (map[string]bool, error) {
	names, err := k.Sets()
	if err != nil {
		return nil, err
	}
	have := make(map[string]bool, len(names))
	for _, n := range names {
		have[n] = true
	}
	zones := make(map[string]bool)
	for _, n := range names {
		z, ok := zoneOf(n)
		if _, done := zones[z]; !ok || done {
			continue
		}
		all := true
		for _, kind := range kinds {
			for _, v := range []int{4, 6} {
				all = all && have[SetName(z, kind, v)]
			}
		}
		zones[z] = all
	}
	return zones, nil
}

// zoneOf reads the zone out of a set name of ours.
func zoneOf(set string) (string, bool) {
	if len(set) <= len(SetPrefix) || set[:len(SetPrefix)] != SetPrefix {
		return "", false
	}
	rest := set[len(SetPrefix):]
	for _, kind := range kinds {
		for _, v := range []string{"4", "6"} {
			suf := "_" + kind + v
			if len(rest) > len(suf) && rest[len(rest)-len(suf):] == suf {
				return rest[:len(rest)-len(suf)], true
			}
		}
	}
	return "", false
}

// restore writes again the wanted doors one of whose elements was
// deleted (set -> key): deleted by someone else, since our own deletes
// are of doors no longer wanted. It returns how many it wrote.
func (t *Doors) restore(gone map[string]map[string]bool) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var first error
	n := 0
	for _, l := range t.want {
		hit := false
		for _, e := range l.elems {
			hit = hit || gone[e.Set][string(e.Key)]
		}
		if !hit {
			continue
		}
		l.in = false
		if err := t.write(l); err != nil && first == nil {
			first = err
		}
		n++
	}
	return n, first
}
