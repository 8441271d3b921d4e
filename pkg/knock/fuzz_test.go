package knock

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// model is a deliberately naive reference engine: unbounded maps, no
// tables, the matching rules written out once more. With tables large
// enough that nothing is evicted, the Engine must report exactly the same
// events.
type model struct {
	seqs  []Sequence
	stage map[netip.Addr][]int
	start map[netip.Addr][]time.Time
}

func (m *model) handle(k Knock) []string {
	src := k.Src.Unmap()
	if m.stage[src] == nil {
		m.stage[src] = make([]int, len(m.seqs))
		m.start[src] = make([]time.Time, len(m.seqs))
	}
	stage, start := m.stage[src], m.start[src]
	var ev []string
	st := Step{k.Port, k.Proto}
	for i, s := range m.seqs {
		if stage[i] > 0 {
			if el := k.Time.Sub(start[i]); el >= s.Timeout || el < 0 {
				stage[i] = 0
			}
		}
		if k.Proto == ProtoTCP && !s.Flags.Match(k.TCPFlags) {
			continue
		}
		in := false
		for _, x := range s.Steps {
			in = in || x == st
		}
		switch {
		case stage[i] > 0 && s.Steps[stage[i]] == st:
			stage[i]++
		case stage[i] > 0 && s.TolerateRepeat && s.Steps[stage[i]-1] == st:
		case s.Steps[0] == st:
			stage[i], start[i] = 1, k.Time
		case in:
			stage[i] = 0
		}
		if stage[i] == len(s.Steps) {
			stage[i] = 0
			ev = append(ev, fmt.Sprintf("%s@%s", s.Name, k.Src))
		}
	}
	return ev
}

func fuzzSeqs() []Sequence {
	syn, _ := ParseTCPFlags("syn,!ack")
	mk := func(name string, timeout time.Duration, fl FlagRule, steps ...Step) Sequence {
		return Sequence{Name: name, Steps: steps, Timeout: timeout, Flags: fl}
	}
	rep := func(s Sequence) Sequence { s.TolerateRepeat = true; return s }
	t, u := ProtoTCP, ProtoUDP
	return []Sequence{
		mk("a", time.Second, FlagRule{}, Step{1, t}, Step{2, t}, Step{3, t}),
		mk("b", 300*time.Millisecond, syn, Step{1, t}, Step{3, t}, Step{2, t}),
		mk("c", time.Second, FlagRule{}, Step{1, t}, Step{1, t}, Step{2, u}, Step{4, t}),
		mk("d", 2*time.Second, FlagRule{}, Step{2, u}),
		mk("e", time.Second, syn, Step{4, t}, Step{1, t}, Step{4, t}, Step{2, t}, Step{3, u}),
		rep(mk("f", time.Second, FlagRule{}, Step{2, t}, Step{2, t}, Step{3, t}, Step{1, u})),
		rep(mk("g", time.Second, syn, Step{1, t}, Step{3, t}, Step{5, t})),
	}
}

// decodeKnock turns 4 fuzz bytes into a knock: source, port/proto, flags,
// time advance.
func decodeKnock(b []byte, now *time.Time) Knock {
	srcs := []netip.Addr{
		mustAddr("192.0.2.1"), mustAddr("192.0.2.2"), mustAddr("2001:db8::1"), mustAddr("::ffff:192.0.2.2"),
		mustAddr("198.18.0.1"), mustAddr("198.18.0.2"), mustAddr("198.18.0.3"), mustAddr("2001:db8::2"),
	}
	*now = now.Add(time.Duration(b[3]) * 5 * time.Millisecond)
	proto := ProtoTCP
	if b[1]&8 != 0 {
		proto = ProtoUDP
	}
	return Knock{Src: srcs[b[0]%8], Dst: mustAddr("192.0.2.1"), Proto: proto, Port: uint16(b[1]%5) + 1, TCPFlags: b[2] & 0x3f, Time: *now}
}

func FuzzEngine(f *testing.F) {
	f.Add([]byte{0, 0, 2, 1, 0, 1, 2, 1, 0, 2, 2, 1})
	f.Add([]byte{0, 0, 2, 1, 1, 0, 2, 1, 0, 0, 2, 1, 0, 9, 0, 1, 0, 3, 2, 1, 4, 3, 2, 0, 4, 0, 2, 0, 4, 3, 2, 0})
	f.Add([]byte{2, 3, 2, 1, 2, 0, 2, 1, 2, 3, 2, 1, 2, 1, 2, 255, 3, 9, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		big := mustNew(t, Config{Sequences: fuzzSeqs(), Capacity: 64, FirstCapacity: 1024})
		small := mustNew(t, Config{Sequences: fuzzSeqs(), Capacity: 2, FirstCapacity: 3})
		ref := &model{seqs: fuzzSeqs(), stage: map[netip.Addr][]int{}, start: map[netip.Addr][]time.Time{}}
		for i := range ref.seqs {
			if ref.seqs[i].Timeout == 0 {
				ref.seqs[i].Timeout = DefaultTimeout
			}
		}
		dyn := mustNew(t, Config{Sequences: dynamicSeqs(), Capacity: 3, FirstCapacity: 5})
		now := t0
		var out []Event
		for i := 0; i+4 <= len(data) && i < 4*1000; i += 4 {
			k := decodeKnock(data[i:i+4], &now)
			want := fmt.Sprint(ref.handle(k))
			out = big.Handle(k, out[:0])
			var got []string
			for _, ev := range out {
				got = append(got, fmt.Sprintf("%s@%s", ev.Name, ev.Src))
			}
			if st := big.Stats(); st.FirstOverwritten+st.Evicted+st.Refused == 0 && fmt.Sprint(got) != want {
				t.Fatalf("knock %d %+v: engine %v, model %s", i/4, k, got, want)
			}
			small.Handle(k, out[:0])
			for _, ev := range dyn.Handle(k, out[:0]) {
				if ev.Use != nil {
					if err := ev.Use.Store(); err != nil {
						t.Fatal(err)
					}
				}
			}
			if i%16 == 0 {
				checkInvariants(t, dyn)
				for _, p := range dyn.Ports(now) {
					if p.Port < 1 || p.Port > 5 {
						t.Fatalf("port %v outside the configured ones", p)
					}
				}
			}
			if i%64 == 0 {
				checkInvariants(t, big)
			}
			checkInvariants(t, small)
			if data[i]&0xf0 == 0xf0 {
				small.Expire(now)
				checkInvariants(t, small)
			}
		}
		checkInvariants(t, big)
	})
}

// dynamicSeqs are one-time and TOTP sequences over the fuzzed ports, with a
// 1 s TOTP period, so that random streams consume lists and rotate steps.
func dynamicSeqs() []Sequence {
	t, u := ProtoTCP, ProtoUDP
	return []Sequence{
		{Name: "ot", Consumed: &MemoryConsumed{}, OneTime: [][]Step{
			{{1, t}, {2, t}}, {{3, t}, {1, t}}, {{2, u}}, {{4, t}, {4, t}, {5, t}},
		}},
		{Name: "totp", Consumed: &MemoryConsumed{}, Timeout: 2 * time.Second, TOTP: &TOTP{
			Secret: []byte("fuzzfuzzfuzzfuzz"), Period: time.Second, Length: 2, Min: 1, Max: 5,
		}},
		{Name: "fixed", Steps: []Step{{1, t}, {5, t}}},
	}
}
