package capture

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/netns"
	"github.com/uciknock/uciknock/pkg/knock"
)

var now = time.Date(2026, 11, 26, 1, 2, 3, 4, time.UTC)

func ethertype(b []byte) uint16 {
	if len(b) > 0 && b[0]>>4 == 6 {
		return etherTypeIPv6
	}
	return etherTypeIPv4
}

// TestDecodeAgreesWithFilter decodes every filter case, cut to the snap
// length the filter returned: what the filter passes decodes, with the
// packet's fields.
func TestDecodeAgreesWithFilter(t *testing.T) {
	for _, tt := range filterCases {
		if tt.want == 0 {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			b := tt.pkt.Marshal()
			if tt.cut > 0 {
				b = b[:tt.cut]
			}
			b = b[:min(len(b), tt.want)]
			var k knock.Knock
			err := Decode(b, ethertype(b), now, &k)
			if tt.cut > 0 && tt.cut < tt.want { // passed the filter but lacks the TCP flags
				if !errors.Is(err, ErrTruncated) {
					t.Fatalf("Decode = %v, want ErrTruncated", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			want := knock.Knock{Src: tt.pkt.Src, Dst: tt.pkt.Dst, Proto: knock.Proto(tt.pkt.Proto),
				Port: tt.pkt.DstPort, Time: now}
			if tt.pkt.Proto == netns.ProtoTCP {
				want.TCPFlags = tt.pkt.TCPFlags
			}
			if k != want {
				t.Errorf("Decode = %+v, want %+v", k, want)
			}
		})
	}
}

func TestDecodeTCPFlags(t *testing.T) {
	for flags := 0; flags < 256; flags++ {
		p := tcp4(7000)
		p.TCPFlags = uint8(flags)
		var k knock.Knock
		if err := Decode(p.Marshal(), etherTypeIPv4, now, &k); err != nil {
			t.Fatalf("flags %#x: %v", flags, err)
		}
		if k.TCPFlags != uint8(flags)&0x3f {
			t.Errorf("flags %#x decoded as %#x", flags, k.TCPFlags)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	addr := netip.MustParseAddr
	tests := []struct {
		name  string
		b     []byte
		etype uint16
		want  error
	}{
		{"empty", nil, etherTypeIPv4, ErrTruncated},
		{"arp ethertype", tcp4(7000).Marshal(), 0x0806, ErrUnsupported},
		{"ipv4 bytes as ipv6", tcp4(7000).Marshal(), etherTypeIPv6, ErrMalformed},
		{"ipv6 bytes as ipv4", udp6(9000).Marshal(), etherTypeIPv4, ErrMalformed},
		{"ipv4 ihl 4", patch(tcp4(7000).Marshal(), 0, 0x44), etherTypeIPv4, ErrMalformed},
		{"ipv4 total length too small", patch(tcp4(7000).Marshal(), 3, 30), etherTypeIPv4, ErrMalformed},
		{"ipv4 options cut", with(tcp4(7000), func(p *netns.Packet) { p.IPv4Options = make([]byte, 40) }).Marshal()[:50], etherTypeIPv4, ErrTruncated},
		{"ipv4 non-first fragment", with(tcp4(7000), func(p *netns.Packet) { p.FragOffset = 3 }).Marshal(), etherTypeIPv4, ErrUnsupported},
		{"ipv4 icmp", with(tcp4(7000), func(p *netns.Packet) { p.Proto = 1; p.Payload = make([]byte, 8) }).Marshal(), etherTypeIPv4, ErrUnsupported},
		{"ipv4 udp ports cut", with(tcp4(7000), func(p *netns.Packet) { p.Proto = netns.ProtoUDP }).Marshal()[:23], etherTypeIPv4, ErrTruncated},
		{"ipv6 five extension headers", with(udp6(9000), func(p *netns.Packet) {
			p.Ext = []netns.Ext{{Type: 0, Len: 8}, {Type: 60, Len: 8}, {Type: 43, Len: 8}, {Type: 60, Len: 8}, {Type: 60, Len: 8}}
		}).Marshal(), etherTypeIPv6, ErrUnsupported},
		{"ipv6 non-first fragment", with(udp6(9000), func(p *netns.Packet) { p.Ext = []netns.Ext{{Type: 44}}; p.FragOffset = 2 }).Marshal(), etherTypeIPv6, ErrUnsupported},
		{"ipv6 extension header cut", with(udp6(9000), func(p *netns.Packet) { p.Ext = []netns.Ext{{Type: 60, Len: 8}} }).Marshal()[:41], etherTypeIPv6, ErrTruncated},
		{"ipv6 fragment header cut", with(udp6(9000), func(p *netns.Packet) { p.Ext = []netns.Ext{{Type: 44}} }).Marshal()[:45], etherTypeIPv6, ErrTruncated},
		{"tcp data offset 4", patch(tcp4(7000).Marshal(), 20+12, 4<<4), etherTypeIPv4, ErrMalformed},
		{"udp length 7", patch(udp6(9000).Marshal(), 40+5, 7), etherTypeIPv6, ErrMalformed},
		{"ipv6 payload length too small", patch(udp6(9000).Marshal(), 5, 4), etherTypeIPv6, ErrMalformed},
		{"ipv4 source unspecified", with(tcp4(7000), func(p *netns.Packet) { p.Src = addr("0.0.0.0") }).Marshal(), etherTypeIPv4, ErrSource},
		{"ipv4 source broadcast", with(tcp4(7000), func(p *netns.Packet) { p.Src = addr("255.255.255.255") }).Marshal(), etherTypeIPv4, ErrSource},
		{"ipv4 source loopback", with(tcp4(7000), func(p *netns.Packet) { p.Src = addr("127.0.0.1") }).Marshal(), etherTypeIPv4, ErrSource},
		{"ipv4 source multicast", with(tcp4(7000), func(p *netns.Packet) { p.Src = addr("224.0.0.1") }).Marshal(), etherTypeIPv4, ErrSource},
		{"ipv6 source mapped", with(udp6(9000), func(p *netns.Packet) { p.Src = addr("::ffff:198.51.100.7") }).Marshal(), etherTypeIPv6, ErrSource},
		{"ipv6 source loopback", with(udp6(9000), func(p *netns.Packet) { p.Src = addr("::1") }).Marshal(), etherTypeIPv6, ErrSource},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var k knock.Knock
			if err := Decode(tt.b, tt.etype, now, &k); !errors.Is(err, tt.want) {
				t.Errorf("Decode = %v, want %v", err, tt.want)
			}
		})
	}
}

// patch returns b with b[i] = v.
func patch(b []byte, i int, v byte) []byte {
	b[i] = v
	return b
}

func TestDecodeAllocs(t *testing.T) {
	b := udp6(9000).Marshal()
	var k knock.Knock
	if n := testing.AllocsPerRun(100, func() { _ = Decode(b, etherTypeIPv6, now, &k) }); n != 0 {
		t.Errorf("Decode allocates %v times per packet", n)
	}
}

// FuzzDecode checks that Decode never panics and that whatever it accepts,
// the kernel filter (built for the decoded port) accepts too, with a snap
// length that covers what Decode read.
func FuzzDecode(f *testing.F) {
	for _, tt := range filterCases {
		f.Add(tt.pkt.Marshal())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var k knock.Knock
		err := Decode(b, ethertype(b), now, &k)
		if err != nil {
			return
		}
		snap := run(t, vm(t, []Port{{Proto: k.Proto, Port: k.Port}}), b)
		if snap == 0 {
			t.Fatalf("Decode accepted %+v but the filter drops it", k)
		}
		var k2 knock.Knock
		if err := Decode(b[:min(snap, len(b))], ethertype(b), now, &k2); err != nil || k2 != k {
			t.Fatalf("after the filter's cut to %d bytes: %+v, %v; before: %+v", snap, k2, err, k)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	for _, c := range []struct {
		name string
		pkt  []byte
	}{
		{"ipv4-tcp", tcp4(7000).Marshal()[:34]},
		{"ipv6-udp", udp6(9000).Marshal()[:54]},
	} {
		b.Run(c.name, func(b *testing.B) {
			et := ethertype(c.pkt)
			var k knock.Knock
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := Decode(c.pkt, et, now, &k); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
