package door

import (
	"context"
	"errors"
	"net/netip"
	"sort"
	"sync"
	"time"

	"github.com/uciknock/uciknock/uci"
)

// Store is the firewall config file: uci.File in production.
type Store interface {
	// Read parses the current file under a shared lock and returns its
	// bytes too (the keeper hashes them to skip its own writes).
	Read() (*uci.Package, []byte, error)
	// Update edits the file under libuci's lock; fn may run more than
	// once and nothing is written when it fails or changes nothing.
	Update(fn func(p *uci.Package) error) (changed bool, err error)
}

// Reloader applies the firewall config: fwreload.Firewall in production.
type Reloader interface {
	// Check validates the config as the next reload would load it
	// (fw4 -q check); its exit status is reliable where reload's is not.
	Check(ctx context.Context) error
	// Reload applies the config atomically (fw4 reload, never restart).
	Reload(ctx context.Context) error
}

// SessionKiller deletes the conntrack entries from src to a port
// (conntrack.Kill in production); proto is "tcp" or "udp".
type SessionKiller interface {
	Kill(src netip.Addr, proto string, port uint16) (int, error)
}

// Kernel is the fast path (fastpath.Doors in production): it makes a
// door live in the kernel at once and takes it out at once, before the
// firewall config is written and reloaded.
type Kernel interface {
	// Open adds the door, or moves its kernel timeout when it is live;
	// an error means the door is not live in the kernel (no fast path
	// for it): it opens through the config and a reload, as without one.
	Open(d Door) error
	// Close takes the door out of the kernel (a no-op when it is not in).
	Close(d Door)
}

// Config is what a Keeper needs. Store and Reloader are required.
type Config struct {
	Store    Store
	Reloader Reloader
	// Clock defaults to RealClock.
	Clock Clock
	// Limit controls the kernel-side stop_date backstop.
	Limit TimeLimit
	// Sessions, if set, is used for doors with KillSessions.
	Sessions SessionKiller
	// Kernel, if set, is the fast path: opens and closes reach the
	// kernel when they are asked for, not after the batch window,
	// the write and the reload.
	Kernel Kernel
	// Events receives every event, from the Run goroutine; it must not
	// block for long. Nil drops them.
	Events func(Event)
	// Changes signals that the firewall config (or its /var/run/uci
	// override) may have changed: Watch.Changes in production. Nil
	// disables reconcile-on-change (reconcile still runs on each write).
	Changes <-chan struct{}
	// Batch is the window in which opens, closes and file changes are
	// collected into one write and one reload (default 100ms). Expiries
	// due within one window are taken together, up to Batch early.
	// Zero means the default; a negative Batch (NoBatch) writes every
	// change at once.
	Batch time.Duration
	// RetryMin and RetryMax bound the exponential backoff of failed
	// writes and reloads (defaults 1s and 1m).
	RetryMin, RetryMax time.Duration
	// Readd is how long after we wrote a door a vanished copy of it is
	// written again, as lost to a racing writer (default 2m); a door
	// that vanishes later was deleted on purpose and is dropped.
	Readd time.Duration
	// MaxDoors caps the open doors (default 256): a flood of completed
	// sequences from spoofed sources must not grow the firewall without
	// bound. Beyond it new doors are refused (EventError); refreshes of
	// open ones still work. Open refuses outright when 4×MaxDoors
	// changes are already queued.
	MaxDoors int
}

// ErrFamilyMismatch is returned by Open for a forward knocked from an
// address of the other family than its dest_ip: DNAT cannot cross
// families. It is an expected case (a dual-stack client knocking over
// IPv6 for an IPv4 host), not a fault.
var ErrFamilyMismatch = errors.New("door: dest_ip and source are of different families: DNAT cannot cross them")

// ErrQueueFull is returned by Open when too many changes wait for the
// next write.
var ErrQueueFull = errors.New("door: too many changes queued")

// Keeper owns the doors in the firewall config: it batches opens and
// closes into single safe updates, reloads the firewall, expires doors,
// and reconciles the file whenever it changes. Open, Close and Doors
// may be called from any goroutine; Run does the work.
type Keeper struct {
	cfg   Config
	clock Clock
	wake  chan struct{}

	mu      sync.Mutex // guards pending, opens, due, recheck, view, viewKeys, viewNames and taken
	recheck bool       // Recheck was called: the write job runs at the next tick
	// pending is the batch: Open and Close queue here, the write job
	// takes it when its window is over (due).
	pending []op
	opens   int       // open ops in pending (closes never count against the cap)
	due     time.Time // when the pending batch is written
	view    []Door    // snapshot of the doors for Doors()
	// viewKeys holds the (prefix, source, port) of every door in view and
	// viewNames their rule names (a close finds an adopted door whose
	// options were edited by its name); nil until the start-up read, when
	// which doors are open is unknown.
	viewKeys  map[doorKey]bool
	viewNames map[string]bool
	// taken holds the keys of the opens the write job has taken from
	// pending and not yet published in view: a close of one of them is
	// useful (its client may already see the door in the file).
	taken map[doorKey]bool

	st state // touched only by the Run goroutine (or tick in tests)
}

type op struct {
	open   bool
	door   Door   // open: normalised door; close: Prefix, Src, Port
	reason string // close: why, for the event
	live   bool   // open: the door is live in the kernel (Config.Kernel)
}

// doorKey is what a close names: rule and redirect alike.
type doorKey struct {
	prefix string
	src    netip.Addr
	port   uint16
}

func keyOf(d Door) doorKey { return doorKey{d.Prefix, d.Src, d.Port} }

// NoBatch as Config.Batch makes the keeper write every change at once.
const NoBatch time.Duration = -1

// New checks cfg, fills in defaults and returns a Keeper that does
// nothing until Run.
func New(cfg Config) (*Keeper, error) {
	if cfg.Store == nil || cfg.Reloader == nil {
		return nil, errors.New("door: keeper needs a Store and a Reloader")
	}
	if cfg.Clock == nil {
		cfg.Clock = RealClock{}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	switch {
	case cfg.Batch < 0:
		cfg.Batch = 0
	case cfg.Batch == 0:
		cfg.Batch = 100 * time.Millisecond
	}
	def(&cfg.RetryMin, time.Second)
	def(&cfg.RetryMax, time.Minute)
	def(&cfg.Readd, 2*time.Minute)
	if cfg.MaxDoors <= 0 {
		cfg.MaxDoors = 256
	}
	if cfg.RetryMax < cfg.RetryMin {
		cfg.RetryMax = cfg.RetryMin
	}
	k := &Keeper{cfg: cfg, clock: cfg.Clock, wake: make(chan struct{}, 1)}
	k.st.init()
	return k, nil
}

// Open asks for door d to be opened, or its expiry refreshed if it is
// open already. It returns an error for a door that cannot be written
// (see Door.Normalize); the write itself happens in Run, reported by
// an EventOpen or EventRefresh.
func (k *Keeper) Open(d Door) error {
	d, err := d.Normalize()
	if err != nil {
		return err
	}
	o := op{open: true, door: d}
	if k.cfg.Kernel != nil {
		// Before anything is written: the door works for the very
		// next packet.
		o.live = k.cfg.Kernel.Open(d) == nil
	}
	if err := k.enqueue(o); err != nil {
		if o.live {
			k.kernelClose(d)
		}
		return err
	}
	return nil
}

// Close asks for the doors (rule and redirect) with this prefix, source
// and port to be removed because a close sequence was knocked; reported
// by EventClose.
func (k *Keeper) Close(prefix string, src netip.Addr, port uint16) {
	k.CloseFor("closed by knock sequence", prefix, src, port)
}

// CloseFor is Close with the reason the EventClose carries (for example
// "closed by uciknockd close").
func (k *Keeper) CloseFor(reason, prefix string, src netip.Addr, port uint16) {
	// Closes are never refused: they only take doors away.
	d := Door{Prefix: prefix, Src: src.Unmap().WithZone(""), Port: port}
	// At once, not after the batch window: the next SYN is refused.
	for _, kind := range []Kind{Rule, Redirect} {
		d.Kind = kind
		k.kernelClose(d)
	}
	d.Kind = Rule
	k.enqueue(op{door: d, reason: reason})
}

// enqueue adds o to the next batch. Only the last word about a door
// counts, so a change supersedes the queued ones it makes moot: a close
// every queued open and close of its door, an open the queued opens of the
// same section. A close of a door that is neither open nor queued to open
// (nor taken by the write job that is opening it) is dropped. So a flood
// of closes queues at most one per open or being-opened door, and closes
// never count against the cap that makes Open fail.
func (k *Keeper) enqueue(o op) error {
	k.mu.Lock()
	key := keyOf(o.door)
	if o.open && k.opens >= 4*k.cfg.MaxDoors {
		k.mu.Unlock()
		return ErrQueueFull
	}
	if !o.open && !k.closeUseful(key) {
		k.mu.Unlock()
		return nil
	}
	if k.supersede(o, key) {
		if len(k.pending) == 0 && k.due.IsZero() {
			k.due = k.clock.Now().Add(k.cfg.Batch)
		}
		k.pending = append(k.pending, o)
		if o.open {
			k.opens++
		}
	}
	k.mu.Unlock()
	select {
	case k.wake <- struct{}{}:
	default:
	}
	return nil
}

// Recheck makes Run look at the expiries again now, against the wall
// clock, and bring every door's expiry options up to date in the file
// (nothing is written if they are): call it when the wall clock jumps (an
// NTP step after a boot without an RTC), since Run's timer counts
// monotonic time and would otherwise close a door whose expiry the jump
// put in the past only when the old wait is over, and when the time zone
// that TimeLimit.Local uses changed (stop_date must follow it).
func (k *Keeper) Recheck() {
	k.mu.Lock()
	k.recheck = true
	k.mu.Unlock()
	select {
	case k.wake <- struct{}{}:
	default:
	}
}

// Doors returns the doors the keeper currently wants open, in the order
// they were opened. A door adopted at start-up whose options a user
// edited, or whose name was shortened, carries the identity read from its
// rule name (Kind, Prefix — shortened with its "~hash" mark — Src, Port)
// and its expiry; Close with those values closes it.
func (k *Keeper) Doors() []Door {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]Door(nil), k.view...)
}

// Run adopts the doors already in the config, then works until ctx is
// done: batched writes, expiry, reconcile, reloads with retry. It
// reports everything through Config.Events and returns nil when ctx is
// cancelled, after writing (and reloading) any closes still pending.
func (k *Keeper) Run(ctx context.Context) error {
	var t Timer
	changes := k.cfg.Changes
	defer func() {
		if t != nil {
			t.Stop()
		}
	}()
	for {
		now := k.clock.Now()
		next := k.tick(ctx, now)
		if t != nil {
			t.Stop()
			t = nil
		}
		var tc <-chan time.Time
		if !next.IsZero() {
			// tick may have taken a while (a reload): time from now.
			t = k.clock.NewTimer(next.Sub(k.clock.Now()))
			tc = t.C()
		}
		select {
		case <-ctx.Done():
			k.shutdown()
			return nil
		case <-tc:
		case <-k.wake:
		case _, ok := <-changes:
			if !ok {
				changes = nil // a closed channel would spin
				continue
			}
			k.st.noteChange(k.clock.Now(), k.cfg.Batch)
		}
	}
}

// shutdown writes pending operations once more (a close must not be
// lost to a TERM), with a short deadline of its own. It writes until
// nothing is pending: a close that arrives during a write (its kernel
// element already gone) is written by the next one, not left for the
// door's expiry after a restart. A flood of closes cannot keep it
// going (closes of doors neither open nor being opened are dropped);
// the deadline ends it whatever keeps coming.
func (k *Keeper) shutdown() {
	k.mu.Lock()
	n := len(k.pending)
	k.due = time.Time{}
	k.mu.Unlock()
	if n == 0 || !k.st.started {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		ops := k.takePending()
		if len(ops) == 0 {
			break
		}
		k.flush(ctx, k.clock.Now(), ops)
	}
	if k.st.reload.scheduled() {
		k.applyFirewall(ctx, k.clock.Now())
	}
}

// tick runs every job due at now, in the order doc.go draws, and
// returns when it next has something to do (zero: nothing scheduled).
func (k *Keeper) tick(ctx context.Context, now time.Time) time.Time {
	s := &k.st
	if !s.started {
		if s.adopt.ready(now) {
			k.adoptFile(now)
		}
		if !s.started {
			return k.next()
		}
	}
	if k.takeRecheck() {
		s.write.ask(now)
	}
	if s.check.ready(now) {
		k.checkFile(now)
	}
	ops := k.takeBatch(now)
	if len(ops) > 0 || s.expiryDue(now) || s.write.ready(now) {
		k.flush(ctx, now, ops)
	}
	if s.reload.ready(now) {
		k.applyFirewall(ctx, now)
	}
	return k.next()
}

// takeRecheck reports (once) whether Recheck was called.
func (k *Keeper) takeRecheck() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	r := k.recheck
	k.recheck = false
	return r
}

// takeBatch returns the queued changes once their batch window is over.
func (k *Keeper) takeBatch(now time.Time) []op {
	k.mu.Lock()
	due := len(k.pending) > 0 && !now.Before(k.due)
	k.mu.Unlock()
	if !due {
		return nil
	}
	return k.takePending()
}

// supersede drops the queued changes that o makes moot and reports
// whether o must still be appended: a close removes every queued change of
// its door; an open takes the place of a queued open of the same section
// (keeping its turn: MaxDoors admits doors in the order they came). k.mu
// is held.
func (k *Keeper) supersede(o op, key doorKey) bool {
	if o.open {
		for i := len(k.pending) - 1; i >= 0; i-- {
			p := &k.pending[i]
			if !p.open && keyOf(p.door) == key {
				break // a close in between: the open comes after it
			}
			// Same section: an ID is Kind plus Name, and Name is
			// (prefix, src, port) spelled out, so comparing the key
			// costs no hashing or allocation under k.mu.
			if p.open && p.door.Kind == o.door.Kind && keyOf(p.door) == key {
				*p = o
				return false
			}
		}
		return true
	}
	kept := k.pending[:0]
	for _, p := range k.pending {
		switch {
		case keyOf(p.door) != key:
			kept = append(kept, p)
		case p.open:
			k.opens--
		}
	}
	clear(k.pending[len(kept):])
	k.pending = kept
	return true
}

// closeUseful reports whether a close of key can change anything: its
// door is open, or an open of it is queued. Before the start-up read it
// cannot tell, so it keeps closes then, up to the open cap. k.mu is held.
func (k *Keeper) closeUseful(key doorKey) bool {
	if k.viewKeys == nil {
		return len(k.pending) < 4*k.cfg.MaxDoors
	}
	if k.viewKeys[key] || k.taken[key] {
		return true
	}
	for _, kind := range []Kind{Rule, Redirect} {
		if k.viewNames[Door{Kind: kind, Prefix: key.prefix, Src: key.src, Port: key.port}.FwName()] {
			return true
		}
	}
	for _, p := range k.pending {
		if p.open && keyOf(p.door) == key {
			return true
		}
	}
	return false
}

func (k *Keeper) takePending() []op {
	k.mu.Lock()
	defer k.mu.Unlock()
	ops := k.pending
	k.pending, k.opens = nil, 0
	k.due = time.Time{}
	for _, o := range ops {
		if o.open {
			if k.taken == nil {
				k.taken = make(map[doorKey]bool)
			}
			k.taken[keyOf(o.door)] = true
		}
	}
	return ops
}

func (k *Keeper) next() time.Time {
	s := &k.st
	if !s.started {
		// Opens wait for the start-up read; nothing else to do yet.
		return s.adopt.due
	}
	var next time.Time
	consider := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	k.mu.Lock()
	if len(k.pending) > 0 {
		consider(k.due)
	}
	k.mu.Unlock()
	consider(s.nextExpiry())
	consider(s.write.due)
	consider(s.check.due)
	consider(s.reload.due)
	return next
}

// emit sends an event if anyone listens.
func (k *Keeper) emit(e Event) {
	if k.cfg.Events != nil {
		k.cfg.Events(e)
	}
}

func (k *Keeper) publish() {
	ids := k.st.orderedIDs()
	v := make([]Door, 0, len(ids))
	keys := make(map[doorKey]bool, len(ids))
	names := make(map[string]bool, len(ids))
	for _, id := range ids {
		e := k.st.doors[id]
		v = append(v, e.door)
		keys[keyOf(e.door)] = true
		names[e.name] = true
	}
	k.mu.Lock()
	k.view, k.viewKeys, k.viewNames = v, keys, names
	clear(k.taken) // in view now, or given up
	k.mu.Unlock()
}

// retry reschedules j after a failure at now, within [RetryMin,
// RetryMax], and returns when it runs again.
func (k *Keeper) retry(j *job, now time.Time) time.Time {
	return j.retry(now, k.cfg.RetryMin, k.cfg.RetryMax)
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
