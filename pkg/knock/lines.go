package knock

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"time"

	"github.com/uciknock/uciknock/pkg/totp"
)

// A line is one concrete step list the engine matches knocks against. A
// fixed or one-time Sequence has one line; a TOTP Sequence has three, one per
// time step of its ±1 window. Per-source progress is kept per line.
type line struct {
	seq     int    // index of the Sequence in Config.Sequences
	steps   []Step // the current steps; empty = disabled (cap MaxSteps, reused)
	flags   FlagRule
	target  netip.Addr
	timeout int64 // ns
	repeat  bool  // Sequence.TolerateRepeat
	// epoch invalidates progress made before the line's steps last
	// changed (a one-time sequence consumed, a TOTP step rotated in):
	// an attempt that started before epoch is stale.
	epoch      int64
	counter    uint64 // TOTP: the time step whose ports are in steps
	hasCounter bool   // TOTP: counter is set
}

// accepts reports whether k passes the line's flag and target conditions.
func (l *line) accepts(k *Knock) bool {
	if k.Proto == ProtoTCP && !l.flags.Match(k.TCPFlags) {
		return false
	}
	return !l.target.IsValid() || l.target == k.Dst.WithZone("")
}

func (l *line) contains(st Step) bool {
	for _, s := range l.steps {
		if s == st {
			return true
		}
	}
	return false
}

// seqState is the engine's view of one configured Sequence.
type seqState struct {
	cfg   Sequence
	first int // index of its first line
	// One-time: used holds the consumed keys (as stored), next the index
	// of the OneTime entry in use (len(OneTime) when all are used).
	used []string
	next int
	// TOTP: period in ns, the window [winStart, winEnd) the lines hold,
	// and the last consumed step (lastUsed valid when hasUsed).
	period           int64
	winStart, winEnd int64
	lastUsed         uint64
	hasUsed          bool
	// rec orders the stores of this sequence's uses (nil without a
	// Consumed store); uses counts them.
	rec  *useRecord
	uses uint64
}

const totpWindow = 3 // steps C-1, C, C+1

func (s *seqState) nlines() int {
	if s.cfg.TOTP != nil {
		return totpWindow
	}
	return 1
}

// validateSequence checks a Sequence and fills in defaults.
func validateSequence(sq *Sequence) error {
	kinds := 0
	for _, set := range []bool{len(sq.Steps) > 0, len(sq.OneTime) > 0, sq.TOTP != nil} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		return fmt.Errorf("set exactly one of Steps, OneTime and TOTP (got %d)", kinds)
	}
	if sq.Timeout < 0 {
		return fmt.Errorf("negative timeout %v", sq.Timeout)
	}
	if sq.Timeout == 0 {
		sq.Timeout = DefaultTimeout
	}
	if err := checkSteps(sq.Steps); len(sq.Steps) > 0 && err != nil {
		return err
	}
	for i, ot := range sq.OneTime {
		if err := checkSteps(ot); err != nil {
			return fmt.Errorf("one-time sequence %d: %w", i+1, err)
		}
	}
	if len(sq.OneTime) > 0 && sq.Consumed == nil {
		return fmt.Errorf("one-time sequences need a Consumed store, or a restart would accept them again")
	}
	if t := sq.TOTP; t != nil {
		c := *t
		if len(c.Secret) < totp.MinSecretLen {
			return fmt.Errorf("totp: secret of %d bytes, need at least %d", len(c.Secret), totp.MinSecretLen)
		}
		if c.Period == 0 {
			c.Period = totp.DefaultPeriod
		}
		if c.Period < time.Second {
			return fmt.Errorf("totp: period %v is shorter than 1s", c.Period)
		}
		if c.Length == 0 {
			c.Length = totp.DefaultLength
		}
		if c.Proto == 0 {
			c.Proto = ProtoTCP
		}
		if c.Proto != ProtoTCP && c.Proto != ProtoUDP {
			return fmt.Errorf("totp: protocol %v is not tcp or udp", c.Proto)
		}
		if err := totp.CheckLength(c.Length); err != nil {
			return fmt.Errorf("totp: %w", err)
		}
		if err := totp.CheckRange(c.Length, c.Min, c.Max); err != nil {
			return fmt.Errorf("totp: ports %d-%d: %w", c.Min, c.Max, err)
		}
		c.Secret = slices.Clone(c.Secret)
		sq.TOTP = &c
	}
	return nil
}

func checkSteps(steps []Step) error {
	if len(steps) == 0 || len(steps) > MaxSteps {
		return fmt.Errorf("%d knocks, need 1 to %d", len(steps), MaxSteps)
	}
	for i, st := range steps {
		if st.Port == 0 || (st.Proto != ProtoTCP && st.Proto != ProtoUDP) {
			return fmt.Errorf("knock %d: invalid %d/%v", i+1, st.Port, st.Proto)
		}
	}
	return nil
}

// loadConsumed reads a sequence's persisted consumption state.
func (s *seqState) loadConsumed() error {
	if s.cfg.Consumed == nil {
		return nil
	}
	s.rec = &useRecord{store: s.cfg.Consumed}
	keys, err := s.cfg.Consumed.Load()
	if err != nil {
		return fmt.Errorf("loading consumed state: %w", err)
	}
	if s.cfg.TOTP != nil {
		for _, k := range keys {
			n, ok := parseTOTPKey(k)
			if !ok {
				return fmt.Errorf("consumed state: %q is not a totp:N record", k)
			}
			if !s.hasUsed || n > s.lastUsed {
				s.lastUsed, s.hasUsed = n, true
			}
		}
		return nil
	}
	s.used = slices.Clone(keys)
	s.next = 0
	s.skipUsed()
	return nil
}

// skipUsed moves next past the one-time sequences already consumed.
func (s *seqState) skipUsed() {
	for s.next < len(s.cfg.OneTime) && slices.Contains(s.used, FormatSteps(s.cfg.OneTime[s.next])) {
		s.next++
	}
}

// setSteps installs the steps a line now matches and invalidates progress
// made on the old ones.
func (e *Engine) setSteps(li int, steps []Step, epoch int64) {
	l := &e.lines[li]
	l.steps = append(l.steps[:0], steps...)
	l.epoch = epoch
}

// consume marks a completed one-time or TOTP line as used in memory and
// returns the record the caller must store (nil without a Consumed store).
func (e *Engine) consume(li int, t int64) *Use {
	// Knocks from other capture sockets may carry slightly later times
	// than t; progress made up to the latest of them is stale too. A
	// latest far ahead is a clock that stepped back, and is not trusted.
	if e.latest > t && e.latest-t < int64(time.Second) {
		t = e.latest
	}
	l := &e.lines[li]
	s := &e.seqs[l.seq]
	switch {
	case s.cfg.TOTP != nil:
		s.lastUsed, s.hasUsed = l.counter, true
		for j := s.first; j < s.first+totpWindow; j++ {
			if e.lines[j].counter <= s.lastUsed {
				e.setSteps(j, nil, t+1)
			}
		}
		return s.use([]string{totpKey(s.lastUsed)})
	case len(s.cfg.OneTime) > 0:
		s.used = append(s.used, FormatSteps(l.steps))
		s.skipUsed()
		if s.next < len(s.cfg.OneTime) {
			e.setSteps(li, s.cfg.OneTime[s.next], t+1)
		} else {
			e.setSteps(li, nil, t+1)
		}
		return s.use(slices.Clone(s.used))
	}
	return nil
}

// use returns the Use that stores keys as the sequence's new record.
func (s *seqState) use(keys []string) *Use {
	if s.rec == nil {
		return nil
	}
	s.uses++
	return &Use{Sequence: s.cfg.Name, Keys: keys, gen: s.uses, rec: s.rec}
}

// advance rotates TOTP lines so that they hold the window around time t.
// It allocates (HMAC) only when a window changes, once per period.
func (e *Engine) advance(t int64) {
	if t >= e.nextWin || t < e.prevWin {
		e.rotate(t)
	}
}

func (e *Engine) rotate(t int64) {
	e.nextWin, e.prevWin = 1<<63-1, -1<<63
	for si := range e.seqs {
		s := &e.seqs[si]
		tc := s.cfg.TOTP
		if tc == nil {
			continue
		}
		if t < s.winStart || t >= s.winEnd {
			c := totp.Counter(time.Unix(0, t), tc.Period)
			s.winStart = totp.Start(c, tc.Period).UnixNano()
			s.winEnd = s.winStart + s.period
			for d := uint64(0); d < totpWindow; d++ {
				x := c - 1 + d
				if c == 0 && d == 0 {
					continue // there is no step -1
				}
				li := s.first + int(x%totpWindow)
				l := &e.lines[li]
				if l.hasCounter && l.counter == x {
					continue // already holds step x (or x was consumed)
				}
				l.counter, l.hasCounter = x, true
				// x entered the window when step x-1 began.
				epoch := totp.Start(max(x, 1)-1, tc.Period).UnixNano()
				if s.hasUsed && x <= s.lastUsed {
					e.setSteps(li, nil, epoch)
					continue
				}
				e.scratchPorts = totp.AppendPorts(e.scratchPorts[:0], tc.Secret, x, tc.Length, tc.Min, tc.Max)
				e.scratchSteps = e.scratchSteps[:0]
				for _, p := range e.scratchPorts {
					e.scratchSteps = append(e.scratchSteps, Step{Port: p, Proto: tc.Proto})
				}
				e.setSteps(li, e.scratchSteps, epoch)
			}
		}
		e.nextWin = min(e.nextWin, s.winEnd)
		e.prevWin = max(e.prevWin, s.winStart)
	}
}

// Ports returns the (protocol, port) pairs that knocks accepted at time now
// go to, sorted and without duplicates: what the capture filter must pass.
// The set changes when a TOTP step begins (see NextChange) and after an
// Event with PortsChanged.
func (e *Engine) Ports(now time.Time) []Port {
	e.advance(now.UnixNano())
	var ps []Port
	for i := range e.lines {
		for _, st := range e.lines[i].steps {
			ps = append(ps, Port{Proto: st.Proto, Port: st.Port})
		}
	}
	sort.Slice(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.Proto != b.Proto {
			return a.Proto < b.Proto
		}
		return a.Port < b.Port
	})
	return slices.Compact(ps)
}

// NextChange returns when Ports next changes because of time: the start of
// the next TOTP step after now. Without TOTP sequences it returns the zero
// Time.
func (e *Engine) NextChange(now time.Time) time.Time {
	var next time.Time
	for i := range e.seqs {
		tc := e.seqs[i].cfg.TOTP
		if tc == nil {
			continue
		}
		t := totp.Start(totp.Counter(now, tc.Period)+1, tc.Period)
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	return next
}
