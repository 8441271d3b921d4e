package main

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

func TestPutIPv4(t *testing.T) {
	src, dst := [4]byte{198, 18, 1, 2}, [4]byte{192, 0, 2, 1}
	for _, tc := range []struct {
		name  string
		proto uint8
		len   int
	}{
		{"tcp-syn", TCP, 40},
		{"udp", UDP, 28},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := make([]byte, FrameLen)
			n := PutIPv4(b, src, dst, tc.proto, 40000, 7000)
			if n != tc.len {
				t.Fatalf("length %d, want %d", n, tc.len)
			}
			p := b[:n]
			if p[0] != 0x45 || p[9] != tc.proto || int(binary.BigEndian.Uint16(p[2:])) != n {
				t.Fatalf("IPv4 header % x", p[:20])
			}
			if Checksum(0, p[:20]) != 0xffff {
				t.Errorf("IPv4 header checksum does not verify")
			}
			l4 := p[20:]
			pseudo := uint32(Checksum(0, p[12:20])) + uint32(tc.proto) + uint32(len(l4))
			if Checksum(pseudo, l4) != 0xffff {
				t.Errorf("transport checksum does not verify")
			}
			if got := binary.BigEndian.Uint16(l4[2:]); got != 7000 {
				t.Errorf("destination port %d, want 7000", got)
			}
			if tc.proto == TCP && l4[13] != 0x02 {
				t.Errorf("TCP flags %#x, want SYN", l4[13])
			}
			if tc.proto == UDP && binary.BigEndian.Uint16(l4[4:]) != 8 {
				t.Errorf("UDP length %d, want 8", binary.BigEndian.Uint16(l4[4:]))
			}
		})
	}
}

func TestChecksumOddLength(t *testing.T) {
	// RFC 1071's example: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2.
	if got := Checksum(0, []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}); got != 0xddf2 {
		t.Errorf("Checksum = %#x, want 0xddf2", got)
	}
	if got := Checksum(0, []byte{0x01}); got != 0x0100 {
		t.Errorf("Checksum(odd) = %#x, want 0x0100", got)
	}
}

func TestSourceDistinctAndSpoofed(t *testing.T) {
	for _, n := range []int{1, 1000, 10000, MaxSources} {
		seen := make(map[[4]byte]bool, n)
		for i := 0; i < n; i++ {
			a := Source(i, n)
			if !SpoofedPrefix.Contains(netip.AddrFrom4(a)) {
				t.Fatalf("n=%d: source %v outside %v", n, a, SpoofedPrefix)
			}
			seen[a] = true
		}
		if len(seen) != n {
			t.Errorf("n=%d: %d distinct sources", n, len(seen))
		}
		if Source(n, n) != Source(0, n) {
			t.Errorf("n=%d: sources do not repeat after n packets", n)
		}
	}
}

func TestFrameRandomPorts(t *testing.T) {
	spec := FloodSpec{Name: "random", Sources: 1000}
	b := make([]byte, FrameLen)
	protos := map[uint8]int{}
	ports := map[uint16]bool{}
	for i := 0; i < 10000; i++ {
		n := spec.Frame(b, i, [4]byte{192, 0, 2, 1})
		protos[b[9]]++
		port := binary.BigEndian.Uint16(b[22:])
		if port == 0 {
			t.Fatalf("packet %d: port 0", i)
		}
		ports[port] = true
		if Checksum(0, b[:20]) != 0xffff || n < 28 {
			t.Fatalf("packet %d: bad frame", i)
		}
	}
	if protos[TCP] != 5000 || protos[UDP] != 5000 {
		t.Errorf("protocols %v, want TCP and UDP alternating", protos)
	}
	if len(ports) < 9000 {
		t.Errorf("%d distinct ports in 10,000 packets, want them spread", len(ports))
	}
}

func TestFrameAllocatesNothing(t *testing.T) {
	spec := FloodSpec{Name: "first", Sources: MaxSources, Port: 7000, Proto: TCP}
	b := make([]byte, FrameLen)
	i := 0
	if a := testing.AllocsPerRun(1000, func() { spec.Frame(b, i, [4]byte{192, 0, 2, 1}); i++ }); a != 0 {
		t.Errorf("Frame allocates %v times per packet", a)
	}
}

func TestFloodSpecValidate(t *testing.T) {
	for _, tc := range []struct {
		spec FloodSpec
		ok   bool
	}{
		{FloodSpec{Name: "a", Sources: 1000, Port: 7000, Proto: TCP}, true},
		{FloodSpec{Name: "b", Sources: MaxSources, Port: 0}, true},
		{FloodSpec{Name: "c", Sources: 0, Port: 7000, Proto: TCP}, false},
		{FloodSpec{Name: "d", Sources: MaxSources + 1, Port: 7000, Proto: TCP}, false},
		{FloodSpec{Name: "e", Sources: 2 * sourceStride, Port: 7000, Proto: TCP}, false},
		{FloodSpec{Name: "f", Sources: 10, Port: 7000, Proto: 1}, false},
	} {
		if err := tc.spec.Validate(); (err == nil) != tc.ok {
			t.Errorf("%+v: Validate() = %v, want ok=%v", tc.spec, err, tc.ok)
		}
	}
}

func BenchmarkFrame(b *testing.B) {
	spec := FloodSpec{Name: "random", Sources: MaxSources}
	buf := make([]byte, FrameLen)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		spec.Frame(buf, i, [4]byte{192, 0, 2, 1})
	}
}
