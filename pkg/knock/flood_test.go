package knock

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

// 18 clients start 10 ms apart and knock every 50 ms, on 18 sequences that
// share ports and prefixes (knockd opens 2 of them).
func TestInterleavedSources(t *testing.T) {
	var seqs []Sequence
	for i := 0; i < 18; i++ {
		// Sequences share the first port and pairs share the second.
		seqs = append(seqs, seq(t, fmt.Sprintf("s%d", i), fmt.Sprintf("7000,%d,%d:udp", 8000+i/2, 9000+i)))
	}
	e := mustNew(t, Config{Sequences: seqs})
	var script []kn
	for step := 0; step < 3; step++ {
		for i := 0; i < 18; i++ {
			src := fmt.Sprintf("192.0.2.%d", 10+i)
			at := time.Duration(i)*10*ms + time.Duration(step)*50*ms
			script = append(script, kn{at: at, src: src, step: fmt.Sprint(seqs[i].Steps[step])})
		}
	}
	// Order the script by time, as the wire would.
	sortScript(script)
	got := run(t, e, script)
	want := map[string]bool{}
	for i := 0; i < 18; i++ {
		want[fmt.Sprintf("s%d@192.0.2.%d", i, 10+i)] = true
	}
	if len(got) != 18 {
		t.Fatalf("%d events, want 18: %v", len(got), got)
	}
	for _, g := range got {
		if !want[g] {
			t.Errorf("unexpected event %s", g)
		}
		delete(want, g)
	}
}

func sortScript(s []kn) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].at < s[j-1].at; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// spoofed returns a random source in 198.18.0.0/15.
func spoofed(r *rand.Rand) netip.Addr {
	v := r.Uint32() & 0x1ffff
	return netip.AddrFrom4([4]byte{198, 18 + byte(v>>16), byte(v >> 8), byte(v)})
}

// TestFlood simulates a 200,000 packets/s spoofed flood of the first knock
// port with the default table sizes. Ten legitimate clients knock 100 ms
// apart during it, and a client that had already reached stage 2 before the
// flood finishes after it: all must complete.
func TestFlood(t *testing.T) {
	e := mustNew(t, Config{Sequences: []Sequence{seq(t, "ssh", "7000,8000,9000"), seq(t, "web", "7000,8001")}})
	r := rand.New(rand.NewPCG(1, 2))
	var out []Event
	knock := func(src netip.Addr, port uint16, at time.Duration) {
		out = e.Handle(Knock{Src: src, Dst: mustAddr("192.0.2.1"), Proto: ProtoTCP, Port: port, TCPFlags: FlagSYN, Time: t0.Add(at)}, out)
	}
	early := mustAddr("203.0.113.5")
	knock(early, 7000, 0)
	knock(early, 8000, 10*ms)

	const rate = 200000
	const gap = time.Second / rate
	flood := 600 * ms
	if testing.Short() {
		flood = 300 * ms // qemu-mips
	}
	type legit struct {
		src   netip.Addr
		start time.Duration
	}
	var clients []legit
	for i := 0; i < 10; i++ {
		clients = append(clients, legit{netip.AddrFrom4([4]byte{192, 0, 2, byte(100 + i)}), 20*ms + time.Duration(i)*(flood-250*ms)/10})
	}
	next := 0 // next scheduled legit knock, in (client, step) order by time
	type sched struct {
		at   time.Duration
		src  netip.Addr
		port uint16
	}
	var plan []sched
	for _, c := range clients {
		for s, p := range []uint16{7000, 8000, 9000} {
			plan = append(plan, sched{c.start + time.Duration(s)*100*ms, c.src, p})
		}
	}
	for i := 1; i < len(plan); i++ { // insertion sort by time
		for j := i; j > 0 && plan[j].at < plan[j-1].at; j-- {
			plan[j], plan[j-1] = plan[j-1], plan[j]
		}
	}
	for at := 20 * ms; at < flood; at += gap {
		for next < len(plan) && plan[next].at <= at {
			knock(plan[next].src, plan[next].port, plan[next].at)
			next++
		}
		knock(spoofed(r), 7000, at)
	}
	knock(early, 9000, flood)
	done := map[netip.Addr]bool{}
	for _, ev := range out {
		if ev.Name == "ssh" {
			done[ev.Src] = true
		}
	}
	for _, c := range clients {
		if !done[c.src] {
			t.Errorf("legitimate client %v did not complete during the flood", c.src)
		}
	}
	if !done[early] {
		t.Errorf("client %v that progressed before the flood was evicted", early)
	}
	s := e.Stats()
	if s.FirstOverwritten == 0 || s.Evicted != 0 || s.Refused != 0 {
		t.Errorf("stats %+v: want probation overwrites and no tracked evictions", s)
	}
	checkInvariants(t, e)
	t.Logf("%d flood knocks, stats %+v, tables %d bytes", int(flood/gap), s, e.MemoryBytes())
}

// With a tiny probation ring the same flood does evict first knocks: the
// bound is real, and the limit is the documented FirstCapacity/rate.
func TestFloodLimit(t *testing.T) {
	e := mustNew(t, Config{Sequences: []Sequence{seq(t, "s", "7000,8000")}, FirstCapacity: 1000, Capacity: 16})
	n := uint32(0)
	distinct := func() netip.Addr { // distinct spoofed sources
		n++
		return netip.AddrFrom4([4]byte{198, 18 + byte(n>>16), byte(n >> 8), byte(n)})
	}
	src := mustAddr(A)
	k := Knock{Src: src, Proto: ProtoTCP, Port: 7000, TCPFlags: FlagSYN, Time: t0}
	e.Handle(k, nil)
	// 999 more first knocks: A's entry survives FirstCapacity-1 insertions.
	for i := 0; i < 999; i++ {
		e.Handle(Knock{Src: distinct(), Proto: ProtoTCP, Port: 7000, TCPFlags: FlagSYN, Time: t0}, nil)
	}
	k.Port = 8000
	if out := e.Handle(k, nil); len(out) != 1 {
		t.Fatalf("after %d first knocks the entry is gone", 999)
	}
	k.Port = 7000
	e.Handle(k, nil)
	for i := 0; i < 1000; i++ {
		e.Handle(Knock{Src: distinct(), Proto: ProtoTCP, Port: 7000, TCPFlags: FlagSYN, Time: t0}, nil)
	}
	k.Port = 8000
	if out := e.Handle(k, nil); len(out) != 0 {
		t.Fatalf("entry survived %d first knocks in a ring of 1000", 1000)
	}
	checkInvariants(t, e)
}

// The tracked table evicts the least recently active source of the lowest
// level, never one that progressed further than the newcomer.
func TestTrackedEviction(t *testing.T) {
	e := mustNew(t, Config{Sequences: []Sequence{seq(t, "s", "1000,2000,3000,4000")}, Capacity: 3, FirstCapacity: 64})
	src := func(i int) string { return fmt.Sprintf("192.0.2.%d", i) }
	var script []kn
	// Sources 1 and 2 reach stage 3, source 3 stage 2.
	for i := 1; i <= 3; i++ {
		script = append(script, kn{time.Duration(i) * ms, src(i), "1000", 0, ""}, kn{time.Duration(i)*ms + 1, src(i), "2000", 0, ""})
	}
	script = append(script, kn{10 * ms, src(1), "3000", 0, ""}, kn{11 * ms, src(2), "3000", 0, ""})
	// Sources 4 and 5 reach stage 2: 4 evicts 3 (same level, older), 5 evicts 4.
	script = append(script, kn{20 * ms, src(4), "1000", 0, ""}, kn{21 * ms, src(4), "2000", 0, ""})
	script = append(script, kn{22 * ms, src(5), "1000", 0, ""}, kn{23 * ms, src(5), "2000", 0, ""})
	// 1 and 2 finish; 3 and 4 were evicted, 5 was not.
	script = append(script, kn{30 * ms, src(1), "4000", 0, ""}, kn{31 * ms, src(2), "4000", 0, ""},
		kn{32 * ms, src(3), "3000", 0, ""}, kn{33 * ms, src(3), "4000", 0, ""},
		kn{34 * ms, src(4), "3000", 0, ""}, kn{35 * ms, src(4), "4000", 0, ""},
		kn{36 * ms, src(5), "3000", 0, ""}, kn{37 * ms, src(5), "4000", 0, ""})
	got := run(t, e, script)
	want := []string{"s@" + src(1), "s@" + src(2), "s@" + src(5)}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("events %v, want %v", got, want)
	}
	if s := e.Stats(); s.Evicted != 2 {
		t.Errorf("stats %+v, want 2 evictions", s)
	}

	// Full of stage-3 sources: a stage-2 newcomer is refused, and one whose
	// neighbours have timed out takes an expired slot.
	e = mustNew(t, Config{Sequences: []Sequence{seq(t, "s", "1000,2000,3000,4000")}, Capacity: 2, FirstCapacity: 64})
	script = script[:0]
	for i := 1; i <= 2; i++ {
		script = append(script, kn{0, src(i), "1000", 0, ""}, kn{ms, src(i), "2000", 0, ""}, kn{2 * ms, src(i), "3000", 0, ""})
	}
	script = append(script, kn{3 * ms, src(3), "1000", 0, ""}, kn{4 * ms, src(3), "2000", 0, ""}, kn{5 * ms, src(3), "3000", 0, ""})
	script = append(script, kn{6 * ms, src(1), "4000", 0, ""})
	script = append(script, kn{30 * time.Second, src(4), "1000", 0, ""}, kn{30*time.Second + ms, src(4), "2000", 0, ""},
		kn{30*time.Second + 2*ms, src(4), "3000", 0, ""}, kn{30*time.Second + 3*ms, src(4), "4000", 0, ""})
	got = run(t, e, script)
	want = []string{"s@" + src(1), "s@" + src(4)}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("events %v, want %v", got, want)
	}
	if s := e.Stats(); s.Refused != 1 {
		t.Errorf("stats %+v, want 1 refusal", s)
	}
}

func TestExpire(t *testing.T) {
	s := seq(t, "s", "7000,8000,9000")
	s.Timeout = time.Second
	e := mustNew(t, Config{Sequences: []Sequence{s, seq(t, "long", "7000,8000,9001")}, Capacity: 8, FirstCapacity: 8})
	run(t, e, []kn{{0, A, "7000", 0, ""}, {ms, A, "8000", 0, ""}, {0, "192.0.2.8", "7000", 0, ""}})
	if st := e.Stats(); st.Tracked != 1 || st.First != 1 {
		t.Fatalf("stats %+v", st)
	}
	if n := e.Expire(t0.Add(2 * time.Second)); n != 0 {
		t.Errorf("Expire freed %d entries whose longer sequence is still live", n)
	}
	if n := e.Expire(t0.Add(25 * time.Second)); n != 2 {
		t.Errorf("Expire freed %d, want 2", n)
	}
	if st := e.Stats(); st.Tracked != 0 || st.First != 0 {
		t.Fatalf("after Expire: %+v", st)
	}
	checkInvariants(t, e)
}

// A spoofed flood that knows the first two ports fills the tracked table
// with stage-2 sources; the table stays within its capacity and a client
// already at stage 3 is never evicted by them.
func TestTwoKnockFlood(t *testing.T) {
	e := mustNew(t, Config{Sequences: []Sequence{seq(t, "s", "7000,8000,9000,10000")}, Capacity: 64, FirstCapacity: 1024})
	run(t, e, knockSteps(0, A, "7000,8000,9000"))
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 20000; i++ {
		src := spoofed(r)
		at := t0.Add(10*ms + time.Duration(i)*10*time.Microsecond)
		e.Handle(Knock{Src: src, Proto: ProtoTCP, Port: 7000, TCPFlags: FlagSYN, Time: at}, nil)
		e.Handle(Knock{Src: src, Proto: ProtoTCP, Port: 8000, TCPFlags: FlagSYN, Time: at.Add(time.Microsecond)}, nil)
		if s := e.Stats(); s.Tracked > s.TrackedCap {
			t.Fatalf("tracked %d > capacity %d", s.Tracked, s.TrackedCap)
		}
	}
	checkInvariants(t, e)
	if got := run(t, e, []kn{{time.Second, A, "10000", 0, ""}}); len(got) != 1 {
		t.Errorf("stage-3 client evicted by a stage-2 flood")
	}
	if s := e.Stats(); s.Evicted == 0 {
		t.Errorf("stats %+v: the flood evicted nothing", s)
	}
}
