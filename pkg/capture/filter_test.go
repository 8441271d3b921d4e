package capture

import (
	"math/rand"
	"net/netip"
	"slices"
	"testing"

	"github.com/uciknock/uciknock/internal/netns"
	"github.com/uciknock/uciknock/pkg/knock"
	"golang.org/x/net/bpf"
)

var (
	src4 = netip.MustParseAddr("198.51.100.7")
	dst4 = netip.MustParseAddr("192.0.2.1")
	src6 = netip.MustParseAddr("2001:db8:1::7")
	dst6 = netip.MustParseAddr("2001:db8::1")
)

var testPorts = []Port{
	{Proto: knock.ProtoTCP, Port: 7000},
	{Proto: knock.ProtoTCP, Port: 8000},
	{Proto: knock.ProtoUDP, Port: 9000},
	{Proto: knock.ProtoTCP, Port: 7000}, // duplicates are fine
}

// vm returns the test variant of the filter (version-nibble dispatch) in
// x/net/bpf's VM.
func vm(t testing.TB, ports []Port) *bpf.VM {
	t.Helper()
	raw, err := program(ports, versionPrefix)
	if err != nil {
		t.Fatalf("program: %v", err)
	}
	ins, ok := bpf.Disassemble(raw)
	if !ok {
		t.Fatal("program does not disassemble")
	}
	v, err := bpf.NewVM(ins)
	if err != nil {
		t.Fatalf("NewVM: %v", err)
	}
	return v
}

func run(t testing.TB, v *bpf.VM, b []byte) int {
	t.Helper()
	n, err := v.Run(b)
	if err != nil {
		t.Fatalf("VM: %v", err)
	}
	return n
}

func tcp4(port uint16) netns.Packet {
	return netns.Packet{Src: src4, Dst: dst4, Proto: netns.ProtoTCP, SrcPort: 40000, DstPort: port, TCPFlags: knock.FlagSYN}
}

func udp6(port uint16) netns.Packet {
	return netns.Packet{Src: src6, Dst: dst6, Proto: netns.ProtoUDP, SrcPort: 40000, DstPort: port, Payload: []byte("knock")}
}

func with(p netns.Packet, f func(*netns.Packet)) netns.Packet { f(&p); return p }

// filterCases are packets and the snap length the filter must return (0:
// dropped). Decode's tests reuse them.
var filterCases = []struct {
	name string
	pkt  netns.Packet
	cut  int // if > 0, the packet is truncated to cut bytes
	want int
}{
	{"ipv4 tcp syn", tcp4(7000), 0, 20 + 14},
	{"ipv4 tcp second port", tcp4(8000), 0, 20 + 14},
	{"ipv4 tcp 8 bytes of options", with(tcp4(7000), func(p *netns.Packet) { p.IPv4Options = make([]byte, 8) }), 0, 28 + 14},
	{"ipv4 tcp 40 bytes of options", with(tcp4(7000), func(p *netns.Packet) { p.IPv4Options = make([]byte, 40) }), 0, 60 + 14},
	{"ipv4 udp", with(tcp4(9000), func(p *netns.Packet) { p.Proto = netns.ProtoUDP }), 0, 20 + 14},
	{"ipv4 udp to a tcp port", with(tcp4(7000), func(p *netns.Packet) { p.Proto = netns.ProtoUDP }), 0, 0},
	{"ipv4 tcp to a udp port", tcp4(9000), 0, 0},
	{"ipv4 tcp other port", tcp4(7001), 0, 0},
	{"ipv4 icmp", with(tcp4(7000), func(p *netns.Packet) { p.Proto = 1; p.Payload = make([]byte, 20) }), 0, 0},
	{"ipv4 sctp", with(tcp4(7000), func(p *netns.Packet) { p.Proto = 132; p.Payload = make([]byte, 20) }), 0, 0},
	{"ipv4 first fragment", with(tcp4(7000), func(p *netns.Packet) { p.MoreFragments = true }), 0, 20 + 14},
	{"ipv4 non-first fragment", with(tcp4(7000), func(p *netns.Packet) { p.FragOffset = 1 }), 0, 0},
	{"ipv4 last fragment", with(tcp4(7000), func(p *netns.Packet) { p.FragOffset = 185 }), 0, 0},
	{"ipv4 truncated before the port", tcp4(7000), 23, 0},
	{"ipv4 truncated after the port", tcp4(7000), 24, 20 + 14},
	{"ipv4 truncated in the options", with(tcp4(7000), func(p *netns.Packet) { p.IPv4Options = make([]byte, 40) }), 40, 0},
	{"ipv6 udp", udp6(9000), 0, 40 + 14},
	{"ipv6 tcp", with(udp6(7000), func(p *netns.Packet) { p.Proto = netns.ProtoTCP }), 0, 40 + 14},
	{"ipv6 udp other port", udp6(9001), 0, 0},
	{"ipv6 hop-by-hop", with(udp6(9000), func(p *netns.Packet) { p.Ext = []netns.Ext{{Type: 0, Len: 8}} }), 0, 48 + 14},
	{"ipv6 four extension headers", with(udp6(9000), func(p *netns.Packet) {
		p.Ext = []netns.Ext{{Type: 0, Len: 8}, {Type: 60, Len: 16}, {Type: 43, Len: 24}, {Type: 44}}
		p.MoreFragments = true
	}), 0, 40 + 8 + 16 + 24 + 8 + 14},
	{"ipv6 five extension headers", with(udp6(9000), func(p *netns.Packet) {
		p.Ext = []netns.Ext{{Type: 0, Len: 8}, {Type: 60, Len: 8}, {Type: 43, Len: 8}, {Type: 60, Len: 8}, {Type: 60, Len: 8}}
	}), 0, 0},
	{"ipv6 non-first fragment", with(udp6(9000), func(p *netns.Packet) { p.Ext = []netns.Ext{{Type: 44}}; p.FragOffset = 1 }), 0, 0},
	{"ipv6 authentication header", with(udp6(9000), func(p *netns.Packet) { p.Ext = []netns.Ext{{Type: 51, Len: 16}} }), 0, 0},
	{"ipv6 icmpv6", with(udp6(9000), func(p *netns.Packet) { p.Proto = 58; p.Payload = make([]byte, 20) }), 0, 0},
	{"ipv6 truncated in the header", udp6(9000), 39, 0},
	{"ipv6 truncated in an extension header", with(udp6(9000), func(p *netns.Packet) { p.Ext = []netns.Ext{{Type: 60, Len: 64}} }), 60, 0},
}

func TestFilterVM(t *testing.T) {
	v := vm(t, testPorts)
	for _, tt := range filterCases {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.pkt.Marshal()
			if tt.cut > 0 {
				b = b[:tt.cut]
			}
			if got := run(t, v, b); got != tt.want {
				t.Errorf("filter returned %d, want %d", got, tt.want)
			}
		})
	}
}

func TestFilterVersionMismatchAndGarbage(t *testing.T) {
	v := vm(t, testPorts)
	b := tcp4(7000).Marshal()
	b[0] = 0x55 // version 5
	if got := run(t, v, b); got != 0 {
		t.Errorf("version 5: filter returned %d, want 0", got)
	}
	for _, n := range []int{0, 1, 5, 19} {
		if got := run(t, v, make([]byte, n)); got != 0 {
			t.Errorf("%d zero bytes: filter returned %d, want 0", n, got)
		}
	}
}

func TestFilterPassesEveryTCPFlagCombination(t *testing.T) {
	v := vm(t, testPorts)
	for flags := 0; flags < 256; flags++ {
		p := tcp4(7000)
		p.TCPFlags = uint8(flags)
		if got := run(t, v, p.Marshal()); got != 34 {
			t.Errorf("flags %#x: filter returned %d, want 34", flags, got)
		}
	}
}

func TestFilterEmptyDropsAll(t *testing.T) {
	v := vm(t, nil)
	for _, tt := range filterCases {
		if got := run(t, v, tt.pkt.Marshal()); got != 0 {
			t.Errorf("%s: empty filter returned %d", tt.name, got)
		}
	}
}

// TestFilterKernelPrefix checks that the kernel program is the tested one
// with only the dispatch prefix swapped.
func TestFilterKernelPrefix(t *testing.T) {
	k, err := Filter(testPorts)
	if err != nil {
		t.Fatal(err)
	}
	v, err := program(testPorts, versionPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(k[5:], v[4:]) {
		t.Errorf("kernel and test programs differ beyond their prefixes:\nkernel %v\ntest   %v", k, v)
	}
	ins, _ := bpf.Disassemble(k[:5])
	want := []bpf.Instruction{
		bpf.LoadExtension{Num: bpf.ExtType},
		bpf.JumpIf{Cond: bpf.JumpGreaterOrEqual, Val: 3, SkipTrue: uint8(len(k) - 3)},
		bpf.LoadExtension{Num: bpf.ExtProto},
	}
	if !slices.Equal(ins[:3], want) {
		t.Errorf("kernel prefix = %v, want %v...", ins[:3], want)
	}
}

func TestFilterRejectsOtherProtocols(t *testing.T) {
	if _, err := Filter([]Port{{Proto: 1, Port: 7}}); err == nil {
		t.Error("Filter accepted protocol 1")
	}
}

// TestFilterLargeSets checks the binary search and the long-jump
// trampolines with thousands of random ports.
func TestFilterLargeSets(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	var ports []Port
	in := map[Port]bool{}
	for len(in) < 2000 {
		p := Port{Proto: knock.ProtoTCP, Port: uint16(rng.Intn(65535) + 1)}
		if len(in)%3 == 0 {
			p.Proto = knock.ProtoUDP
		}
		in[p] = true
		ports = append(ports, p)
	}
	raw, err := Filter(ports)
	if err != nil {
		t.Fatalf("Filter(2000 ports): %v", err)
	}
	if len(raw) > maxInstructions {
		t.Fatalf("program has %d instructions", len(raw))
	}
	v := vm(t, ports)
	for port := 1; port <= 65535; port += 1 + rng.Intn(7) {
		for _, proto := range []knock.Proto{knock.ProtoTCP, knock.ProtoUDP} {
			p := tcp4(uint16(port))
			p.Proto = uint8(proto)
			want := 0
			if in[Port{Proto: proto, Port: uint16(port)}] {
				want = 34
			}
			if got := run(t, v, p.Marshal()); got != want {
				t.Fatalf("%d/%s: filter returned %d, want %d", port, proto, got, want)
			}
		}
	}
	for p := range in { // every member passes
		pkt := tcp4(p.Port)
		pkt.Proto = uint8(p.Proto)
		if got := run(t, v, pkt.Marshal()); got != 34 {
			t.Fatalf("%v: filter returned %d, want 34", p, got)
		}
	}
}

func TestFilterTooManyPorts(t *testing.T) {
	var ports []Port
	for p := 1; p <= 65535; p++ {
		ports = append(ports, Port{Proto: knock.ProtoTCP, Port: uint16(p)})
	}
	if _, err := Filter(ports); err == nil {
		t.Error("Filter accepted 65535 ports")
	}
}
