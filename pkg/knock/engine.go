package knock

import (
	"errors"
	"fmt"
	"hash/maphash"
	"net/netip"
	"time"
)

// Event reports that a source completed a sequence.
type Event struct {
	Seq  int    // index of the Sequence in Config.Sequences
	Name string // its Name
	Src  netip.Addr
	Time time.Time // the time of the completing knock
	// PortsChanged is set when the completion consumed a one-time
	// sequence or a TOTP step, so Ports now returns a different set.
	PortsChanged bool
	// Use is set when the completion used a one-time sequence or a TOTP
	// step whose Sequence has a Consumed store. The engine has marked it
	// used in memory but has not stored it: call Use.Store outside any
	// lock around Handle, and act on the event only if it returns nil.
	Use *Use
}

// Stats are the engine's table occupancy and counters.
type Stats struct {
	Tracked, TrackedCap int // sources past their first knock, and the table size
	First, FirstCap     int // first-knock (probation) entries, and the ring size
	// FirstOverwritten counts probation entries overwritten by newer
	// first knocks while still in the ring (some may already have timed
	// out); it grows fast under a flood of first knocks.
	FirstOverwritten uint64
	Evicted          uint64 // tracked sources evicted for a newcomer
	Refused          uint64 // progress dropped: tracked table full of further-progressed sources
	Completed        uint64 // events returned
}

// Engine matches knocks against sequences. It is not safe for concurrent
// use: the daemon feeds it from one goroutine.
type Engine struct {
	seqs  []seqState
	lines []line
	seed  maphash.Seed
	first probation
	trk   tracked
	stats Stats

	nextWin, prevWin int64 // rotate TOTP lines when t leaves [prevWin, nextWin)
	latest           int64 // the latest knock time seen

	// Scratch space, preallocated so Handle does not allocate.
	key          [16]byte
	vStage       []uint8
	vStart       []int64
	covered      []bool
	idx          []int32
	scratchPorts []uint16
	scratchSteps []Step
}

// New validates cfg, loads the consumed state of one-time and TOTP
// sequences, and allocates all tables.
func New(cfg Config) (*Engine, error) {
	if len(cfg.Sequences) == 0 {
		return nil, errors.New("knock: no sequences")
	}
	if cfg.Capacity == 0 {
		cfg.Capacity = DefaultCapacity
	}
	if cfg.FirstCapacity == 0 {
		cfg.FirstCapacity = DefaultFirstCapacity
	}
	const maxTable = 1 << 24
	if cfg.Capacity < 1 || cfg.Capacity > maxTable || cfg.FirstCapacity < 1 || cfg.FirstCapacity > maxTable {
		return nil, fmt.Errorf("knock: capacities %d/%d out of range 1-%d", cfg.Capacity, cfg.FirstCapacity, maxTable)
	}
	e := &Engine{seed: maphash.MakeSeed(), nextWin: -1 << 63}
	for i, sq := range cfg.Sequences {
		if err := validateSequence(&sq); err != nil {
			return nil, fmt.Errorf("knock: sequence %d (%q): %w", i+1, sq.Name, err)
		}
		s := seqState{cfg: sq, first: len(e.lines)}
		if err := s.loadConsumed(); err != nil {
			return nil, fmt.Errorf("knock: sequence %d (%q): %w", i+1, sq.Name, err)
		}
		if sq.TOTP != nil {
			s.period = int64(sq.TOTP.Period)
		}
		for j := 0; j < s.nlines(); j++ {
			l := line{seq: i, steps: make([]Step, 0, MaxSteps), flags: sq.Flags, target: sq.Target.WithZone(""),
				timeout: int64(sq.Timeout), repeat: sq.TolerateRepeat}
			switch {
			case len(sq.Steps) > 0:
				l.steps = append(l.steps, sq.Steps...)
			case len(sq.OneTime) > 0 && s.next < len(sq.OneTime):
				l.steps = append(l.steps, sq.OneTime[s.next]...)
			}
			e.lines = append(e.lines, l)
		}
		e.seqs = append(e.seqs, s)
	}
	if len(e.lines) > maxLines {
		return nil, fmt.Errorf("knock: %d sequence lines (a TOTP sequence counts 3), at most %d", len(e.lines), maxLines)
	}
	n := len(e.lines)
	// int64: on 32-bit routers the product can overflow int.
	if size := int64(cfg.FirstCapacity)*probationSlotBytes + int64(cfg.Capacity)*(trackedSlotBytes+9*int64(n)); size > maxTableBytes {
		return nil, fmt.Errorf("knock: tables would take %d bytes (capacities %d/%d, %d sequence lines), more than %d", size, cfg.Capacity, cfg.FirstCapacity, n, maxTableBytes)
	}
	e.first = newProbation(cfg.FirstCapacity)
	e.trk = newTracked(cfg.Capacity, n)
	e.vStage, e.vStart, e.covered = make([]uint8, n), make([]int64, n), make([]bool, n)
	e.idx = make([]int32, 0, n)
	e.scratchPorts, e.scratchSteps = make([]uint16, 0, MaxSteps), make([]Step, 0, MaxSteps)
	return e, nil
}

// MemoryBytes returns the size of the engine's preallocated tables.
func (e *Engine) MemoryBytes() int {
	n := len(e.lines)
	return len(e.first.ent)*probationSlotBytes + (len(e.first.heads)-len(e.first.ent))*4 +
		len(e.trk.key)*(trackedSlotBytes+9*n) + (len(e.trk.heads)-len(e.trk.key))*4
}

// maxTableBytes bounds the preallocated tables, so that a typo in a capacity
// is an error rather than an out-of-memory kill.
const maxTableBytes = 256 << 20

// Stats returns the table occupancy and counters.
func (e *Engine) Stats() Stats {
	s := e.stats
	s.Tracked, s.TrackedCap = e.trk.live(), len(e.trk.key)
	s.First, s.FirstCap = e.first.live, len(e.first.ent)
	return s
}

func (e *Engine) hash(key *[16]byte) uint64 { return maphash.Bytes(e.seed, key[:]) }

// Handle feeds one knock to the engine and appends the sequences it
// completes to out. The knock's Time is the engine's clock. Handle does not
// allocate unless a completion consumes a one-time sequence or TOTP step, a
// TOTP step begins, or out must grow.
func (e *Engine) Handle(k Knock, out []Event) []Event {
	if (k.Proto != ProtoTCP && k.Proto != ProtoUDP) || !k.Src.IsValid() {
		return out
	}
	t := k.Time.UnixNano()
	e.latest = max(e.latest, t)
	e.advance(t)
	if !e.relevant(&k) {
		return out
	}
	e.key = k.Src.Unmap().As16()
	h := e.hash(&e.key)
	if slot := e.trk.find(&e.key, h); slot >= 0 {
		e.loadTracked(slot, t)
		out = e.step(&k, t, out)
		e.storeTracked(slot, h)
		return out
	}
	e.idx = e.first.find(&e.key, h, e.idx[:0])
	e.loadFirst(t)
	out = e.step(&k, t, out)
	lvl, deadline := e.level()
	if lvl >= 2 && e.promote(h, lvl, deadline, t) {
		return out
	}
	e.storeFirst(h)
	return out
}

// relevant reports whether some line could change state because of k.
func (e *Engine) relevant(k *Knock) bool {
	st := Step{Port: k.Port, Proto: k.Proto}
	for i := range e.lines {
		if l := &e.lines[i]; l.contains(st) && l.accepts(k) {
			return true
		}
	}
	return false
}

// step advances the view (vStage, vStart) by knock k at time t.
func (e *Engine) step(k *Knock, t int64, out []Event) []Event {
	st := Step{Port: k.Port, Proto: k.Proto}
	for i := range e.lines {
		l := &e.lines[i]
		s := e.vStage[i]
		if len(l.steps) == 0 || !l.accepts(k) {
			continue // a flag mismatch is ignored, not a reset (knockd)
		}
		if int(s) >= len(l.steps) {
			s = 0 // progress on steps that have since been replaced
		}
		switch {
		case s > 0 && l.steps[s] == st:
			s++
		case s > 0 && l.repeat && l.steps[s-1] == st:
			continue // a tolerated repeat of the previous knock
		case l.steps[0] == st:
			s, e.vStart[i] = 1, t // a wrong knock that is a first step restarts
		case s > 0 && l.contains(st):
			s = 0 // a wrong knock to a port of this sequence resets it
		default:
			continue
		}
		if int(s) == len(l.steps) {
			s = 0
			out = e.complete(i, k, t, out)
		}
		e.vStage[i] = s
	}
	return out
}

func (e *Engine) complete(li int, k *Knock, t int64, out []Event) []Event {
	l := &e.lines[li]
	s := &e.seqs[l.seq]
	ev := Event{Seq: l.seq, Name: s.cfg.Name, Src: k.Src, Time: k.Time}
	if s.cfg.TOTP != nil || len(s.cfg.OneTime) > 0 {
		ev.PortsChanged = true
		ev.Use = e.consume(li, t)
	}
	e.stats.Completed++
	return append(out, ev)
}

// expired reports whether an attempt on line i started at start is no
// longer valid at t: timed out (counted from the first knock, as in knockd),
// from before the line's steps changed, or from the future (clock stepped
// back).
func (e *Engine) expired(i int, start, t int64) bool {
	l := &e.lines[i]
	return t-start >= l.timeout || t < start || start < l.epoch
}

// level returns the highest stage in the view and when its attempts time
// out; it also clears attempts made stale by a completion.
func (e *Engine) level() (uint8, int64) {
	var lvl uint8
	var deadline int64
	for i, s := range e.vStage {
		if s == 0 {
			continue
		}
		if e.vStart[i] < e.lines[i].epoch {
			e.vStage[i] = 0
			continue
		}
		lvl = max(lvl, s)
		deadline = max(deadline, e.vStart[i]+e.lines[i].timeout)
	}
	return lvl, deadline
}
