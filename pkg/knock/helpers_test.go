package knock

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// t0 is the fake clock's origin; tests express times as offsets from it.
var t0 = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

// kn is one knock in a test script.
type kn struct {
	at    time.Duration // since t0
	src   string
	step  string // ParseStep syntax
	flags uint8  // TCP flags; zero means a plain SYN
	dst   string // destination; empty means 192.0.2.1
}

func (k kn) knock(t testing.TB) Knock {
	t.Helper()
	st, err := ParseStep(k.step)
	if err != nil {
		t.Fatal(err)
	}
	fl := k.flags
	if st.Proto == ProtoTCP && fl == 0 {
		fl = FlagSYN
	}
	if st.Proto == ProtoUDP {
		fl = 0
	}
	dst := k.dst
	if dst == "" {
		dst = "192.0.2.1"
	}
	return Knock{
		Src: netip.MustParseAddr(k.src), Dst: netip.MustParseAddr(dst),
		Proto: st.Proto, Port: st.Port, TCPFlags: fl, Time: t0.Add(k.at),
	}
}

func mustSteps(t testing.TB, s string) []Step {
	t.Helper()
	st, err := ParseSteps(s)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func seq(t testing.TB, name, steps string) Sequence {
	t.Helper()
	return Sequence{Name: name, Steps: mustSteps(t, steps)}
}

func mustNew(t testing.TB, cfg Config) *Engine {
	t.Helper()
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// run feeds the script and returns the events as "name@src" strings.
func run(t testing.TB, e *Engine, script []kn) []string {
	t.Helper()
	var got []string
	var out []Event
	for _, k := range script {
		out = e.Handle(k.knock(t), out[:0])
		for _, ev := range out {
			if ev.Use != nil {
				if err := ev.Use.Store(); err != nil {
					t.Fatalf("event %+v: %v", ev, err)
				}
			}
			got = append(got, fmt.Sprintf("%s@%s", ev.Name, ev.Src))
		}
		checkInvariants(t, e)
	}
	return got
}

// checkInvariants verifies the tables' internal consistency and bounds.
func checkInvariants(t testing.TB, e *Engine) {
	t.Helper()
	s := e.Stats()
	if s.Tracked > s.TrackedCap || s.First > s.FirstCap {
		t.Fatalf("capacity exceeded: %+v", s)
	}
	p := &e.first
	n := 0
	type wordKey struct {
		key  [16]byte
		word int
	}
	masks := map[wordKey]uint64{}
	seen := map[[16]byte]bool{}
	for b := range p.heads {
		for i := p.heads[b] - 1; i >= 0; i = p.ent[i].next - 1 {
			if !p.ent[i].used() {
				t.Fatalf("probation: free slot %d on a chain", i)
			}
			if h := e.hash(&p.ent[i].key); int(h&uint64(len(p.heads)-1)) != b || p.ent[i].bucket() != h&0xffffff {
				t.Fatalf("probation: slot %d in the wrong bucket", i)
			}
			wk := wordKey{p.ent[i].key, p.ent[i].word()}
			if masks[wk]&p.ent[i].mask != 0 {
				t.Fatalf("probation: source %x has a line in two entries", p.ent[i].key)
			}
			masks[wk] |= p.ent[i].mask
			n++
			if n > len(p.ent) {
				t.Fatal("probation: chain cycle")
			}
		}
	}
	if n != p.live {
		t.Fatalf("probation: %d entries on chains, live = %d", n, p.live)
	}
	tr := &e.trk
	n = 0
	for b := range tr.heads {
		for i := tr.heads[b]; i >= 0; i = tr.next[i] {
			if !tr.used[i] || tr.level[i] == 0 {
				t.Fatalf("tracked: slot %d on a chain is free or has level 0", i)
			}
			if seen[tr.key[i]] {
				t.Fatalf("tracked: key %x twice", tr.key[i])
			}
			seen[tr.key[i]] = true
			n++
			if n > len(tr.key) {
				t.Fatal("tracked: chain cycle")
			}
		}
	}
	if n != tr.live() {
		t.Fatalf("tracked: %d entries on chains, live = %d", n, tr.live())
	}
	// A source lives in one table only.
	for i := range p.ent {
		if p.ent[i].used() {
			if seen[p.ent[i].key] {
				t.Fatalf("source %x is in both tables", p.ent[i].key)
			}
		}
	}
	m := 0
	for l := 1; l < MaxSteps; l++ {
		for i := tr.lhead[l]; i >= 0; i = tr.succ[i] {
			if tr.level[i] != uint8(l) {
				t.Fatalf("tracked: slot %d with level %d on list %d", i, tr.level[i], l)
			}
			m++
			if m > len(tr.key) {
				t.Fatal("tracked: level list cycle")
			}
		}
	}
	if m != n {
		t.Fatalf("tracked: %d on level lists, %d on chains", m, n)
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
