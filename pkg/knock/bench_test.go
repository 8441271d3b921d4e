package knock

import (
	"net/netip"
	"testing"
	"time"
)

func benchSeqs(b *testing.B) []Sequence {
	return []Sequence{seq(b, "ssh", "7000,8000,9000"), seq(b, "web", "7000,8001:udp"), seq(b, "vpn", "6000,6001,6002,6003")}
}

func addrN(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{198, 18 + byte(i>>16&1), byte(i >> 8), byte(i)})
}

// BenchmarkHandleTracked64k: 65,536 sources in the tracked table, each
// alternating between its first and second knock (restart at stage 1,
// advance to stage 2), so every knock is a lookup plus a state change.
func BenchmarkHandleTracked64k(b *testing.B) {
	const n = 1 << 16
	e := mustNew(b, Config{Sequences: benchSeqs(b), Capacity: n, FirstCapacity: n})
	now := t0
	k := Knock{Proto: ProtoTCP, TCPFlags: FlagSYN}
	for i := 0; i < n; i++ {
		k.Src, k.Time = addrN(i), now
		k.Port = 7000
		e.Handle(k, nil)
		k.Port = 8000
		e.Handle(k, nil)
	}
	if s := e.Stats(); s.Tracked != n {
		b.Fatalf("%d tracked, want %d", s.Tracked, n)
	}
	out := make([]Event, 0, 4)
	ports := [2]uint16{7000, 8000}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		now = now.Add(time.Microsecond)
		k.Src, k.Port, k.Time = addrN(i%n), ports[i/n%2], now
		out = e.Handle(k, out[:0])
	}
	b.StopTimer()
	if s := e.Stats(); s.Tracked != n || s.Evicted != 0 {
		b.Fatalf("stats %+v", s)
	}
	b.ReportMetric(float64(e.MemoryBytes())/n, "table-bytes/source")
}

// BenchmarkFloodFirstKnocks: a spoofed flood of first knocks from 131,072
// distinct sources churning through the default probation ring.
func BenchmarkFloodFirstKnocks(b *testing.B) {
	e := mustNew(b, Config{Sequences: benchSeqs(b)})
	k := Knock{Proto: ProtoTCP, Port: 7000, TCPFlags: FlagSYN}
	now := t0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		now = now.Add(5 * time.Microsecond) // 200k pps
		k.Src, k.Time = addrN(i%(1<<17)), now
		e.Handle(k, nil)
	}
}

// BenchmarkFullSequence: one client completing a 3-knock sequence; ns/op
// is per knock, one event every 3 knocks.
func BenchmarkFullSequence(b *testing.B) {
	e := mustNew(b, Config{Sequences: benchSeqs(b)})
	k := Knock{Src: mustAddr(A), Proto: ProtoTCP, TCPFlags: FlagSYN}
	ports := [3]uint16{7000, 8000, 9000}
	out := make([]Event, 0, 4)
	now := t0
	events := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		now = now.Add(time.Millisecond)
		k.Port, k.Time = ports[i%3], now
		out = e.Handle(k, out[:0])
		events += len(out)
	}
	b.StopTimer()
	if events != b.N/3 {
		b.Fatalf("%d events for %d knocks", events, b.N)
	}
}
