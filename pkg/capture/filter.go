package capture

import (
	"fmt"
	"slices"
	"sort"
	"strconv"

	"github.com/uciknock/uciknock/pkg/knock"
	"golang.org/x/net/bpf"
)

// Port is a (protocol, port) pair the filter passes: knock.Port, so the
// engine's port set can be handed over as it is.
type Port = knock.Port

// Ethertypes as cooked AF_PACKET sockets report them.
const (
	etherTypeIPv4 = 0x0800
	etherTypeIPv6 = 0x86DD
)

const (
	// l4Bytes is how much of the TCP or UDP header Decode needs: the TCP
	// flags are in byte 13. The filter keeps the network header(s) plus
	// this much and cuts the rest (its return value is the snap length).
	l4Bytes = 14

	// MaxIPv6ExtHeaders is how many IPv6 extension headers (hop-by-hop,
	// routing, fragment, destination options, in any order) the filter
	// and Decode walk before the TCP or UDP header. A packet with more, or
	// with any other extension header (AH, ESP, mobility, ...), is
	// rejected: knocks come from ordinary stacks that send none.
	MaxIPv6ExtHeaders = 4
)

// IP protocol numbers of the IPv6 extension headers the filter walks.
const (
	ipv6HopByHop = 0
	ipv6Routing  = 43
	ipv6Fragment = 44
	ipv6DestOpts = 60
)

// packetTypeOtherHost is PACKET_OTHERHOST: the first packet type that is
// not addressed to this host (then come OUTGOING, LOOPBACK, USER, KERNEL).
// Spelled out here because bpf.go is built on every OS.
const packetTypeOtherHost = 3

// Filter returns the kernel socket filter for a cooked (SOCK_DGRAM)
// AF_PACKET socket that passes exactly the IPv4 and IPv6 TCP and UDP
// packets to the given destination ports and addressed to this host
// (packet type host, broadcast or multicast; not other-host, not
// outgoing). It rejects non-first fragments, IPv4 headers shorter than 20
// bytes, and IPv6 packets whose extension headers are not the ones in
// MaxIPv6ExtHeaders' documentation. Accepted packets are cut to their
// network headers plus the first 14 bytes of the TCP/UDP header; packets
// too short to hold those are dropped (a load beyond the end of the
// packet ends a classic BPF program with 0).
//
// Ports may be in any order and repeat; the program tests them with a
// binary search. An empty set yields a program that drops everything. The
// kernel's limit of 4096 instructions allows about 3000 ports.
func Filter(ports []Port) ([]bpf.RawInstruction, error) {
	return program(ports, kernelPrefix)
}

// kernelPrefix dispatches on the packet type and the ethertype, both read
// from the socket buffer's metadata (cooked frames have no link header).
func kernelPrefix(a *asm) {
	a.op(bpf.LoadExtension{Num: bpf.ExtType})
	a.jump(bpf.JumpGreaterOrEqual, packetTypeOtherHost, "drop", "")
	a.op(bpf.LoadExtension{Num: bpf.ExtProto})
	a.jump(bpf.JumpEqual, etherTypeIPv4, "ip4", "")
	a.jump(bpf.JumpEqual, etherTypeIPv6, "ip6", "drop")
}

// versionPrefix dispatches on the IP version nibble alone. x/net/bpf's VM
// does not implement the metadata loads of kernelPrefix, so tests run the
// program with this prefix; the rest of the program is the same.
func versionPrefix(a *asm) {
	a.op(bpf.LoadAbsolute{Off: 0, Size: 1}, bpf.ALUOpConstant{Op: bpf.ALUOpShiftRight, Val: 4})
	a.jump(bpf.JumpEqual, 4, "ip4", "")
	a.jump(bpf.JumpEqual, 6, "ip6", "drop")
}

// normalize validates ports and splits them into sorted, duplicate-free
// TCP and UDP port lists.
func normalize(ports []Port) (tcp, udp []uint16, err error) {
	for _, p := range ports {
		switch p.Proto {
		case knock.ProtoTCP:
			tcp = append(tcp, p.Port)
		case knock.ProtoUDP:
			udp = append(udp, p.Port)
		default:
			return nil, nil, fmt.Errorf("capture: port %d: protocol %s is neither tcp nor udp", p.Port, p.Proto)
		}
	}
	// sort.Slice, not slices.Sort: a uint16 instance of the generic sort
	// is ~4 KB of the router binary for a list sorted once per config.
	sort.Slice(tcp, func(i, j int) bool { return tcp[i] < tcp[j] })
	sort.Slice(udp, func(i, j int) bool { return udp[i] < udp[j] })
	return slices.Compact(tcp), slices.Compact(udp), nil
}

// program builds the filter with the given dispatch prefix, which jumps
// to "ip4", "ip6" or "drop". The IP code leaves the transport header's
// offset in X; an accepted packet is cut to X + l4Bytes.
func program(ports []Port, prefix func(*asm)) ([]bpf.RawInstruction, error) {
	tcp, udp, err := normalize(ports)
	if err != nil {
		return nil, err
	}
	a := newAsm()
	prefix(a)
	ipv4(a)
	ipv6(a)
	a.label("tcp")
	a.op(bpf.LoadIndirect{Off: 2, Size: 2}) // destination port
	search(a, "tcp", tcp)
	a.label("udp")
	a.op(bpf.LoadIndirect{Off: 2, Size: 2})
	search(a, "udp", udp)
	a.label("drop")
	a.op(bpf.RetConstant{Val: 0})
	raw, err := a.assemble()
	if err != nil {
		return nil, fmt.Errorf("capture: filter for %d tcp and %d udp ports: %w", len(tcp), len(udp), err)
	}
	return raw, nil
}

// ipv4 checks version, header length and fragment offset, leaves the
// transport header offset in X and jumps to "tcp" or "udp".
func ipv4(a *asm) {
	a.label("ip4")
	a.op(bpf.LoadAbsolute{Off: 0, Size: 1}, bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0xf0})
	a.jump(bpf.JumpEqual, 0x40, "", "drop")
	a.op(bpf.LoadMemShift{Off: 0}, bpf.TXA{}) // X = 4*IHL
	a.jump(bpf.JumpLessThan, 20, "drop", "")
	a.op(bpf.LoadAbsolute{Off: 6, Size: 2}) // flags and fragment offset
	a.jump(bpf.JumpBitsSet, 0x1fff, "drop", "")
	a.op(bpf.LoadAbsolute{Off: 9, Size: 1})
	a.jump(bpf.JumpEqual, uint32(knock.ProtoTCP), "tcp", "")
	a.jump(bpf.JumpEqual, uint32(knock.ProtoUDP), "udp", "drop")
}

// ipv6 walks at most MaxIPv6ExtHeaders extension headers (the loop is
// unrolled: classic BPF has no backward jumps), keeping the offset of
// the current header in X and its type in A.
func ipv6(a *asm) {
	a.label("ip6")
	a.op(bpf.LoadAbsolute{Off: 0, Size: 1}, bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0xf0})
	a.jump(bpf.JumpEqual, 0x60, "", "drop")
	a.op(bpf.LoadConstant{Dst: bpf.RegX, Val: 40}, bpf.LoadAbsolute{Off: 6, Size: 1})
	for k := 0; k <= MaxIPv6ExtHeaders; k++ {
		nh, ext, frag := "nh6."+strconv.Itoa(k), "ext6."+strconv.Itoa(k), "frag6."+strconv.Itoa(k)
		next := "nh6." + strconv.Itoa(k+1)
		a.label(nh)
		a.jump(bpf.JumpEqual, uint32(knock.ProtoTCP), "tcp", "")
		if k == MaxIPv6ExtHeaders {
			a.jump(bpf.JumpEqual, uint32(knock.ProtoUDP), "udp", "drop")
			break
		}
		a.jump(bpf.JumpEqual, uint32(knock.ProtoUDP), "udp", "")
		a.jump(bpf.JumpEqual, ipv6HopByHop, ext, "")
		a.jump(bpf.JumpEqual, ipv6Routing, ext, "")
		a.jump(bpf.JumpEqual, ipv6DestOpts, ext, "")
		a.jump(bpf.JumpEqual, ipv6Fragment, frag, "drop")
		// Generic extension header: next header at +0, length in 8-octet
		// units not counting the first 8 at +1.
		a.label(ext)
		a.op(
			bpf.LoadIndirect{Off: 0, Size: 1}, bpf.StoreScratch{Src: bpf.RegA, N: 0},
			bpf.LoadIndirect{Off: 1, Size: 1},
			bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: 1}, bpf.ALUOpConstant{Op: bpf.ALUOpShiftLeft, Val: 3},
			bpf.ALUOpX{Op: bpf.ALUOpAdd}, bpf.TAX{}, bpf.LoadScratch{Dst: bpf.RegA, N: 0},
		)
		a.goTo(next)
		// Fragment header: 8 bytes; only the first fragment (offset 0)
		// carries the transport header.
		a.label(frag)
		a.op(bpf.LoadIndirect{Off: 2, Size: 2})
		a.jump(bpf.JumpBitsSet, 0xfff8, "drop", "")
		a.op(
			bpf.LoadIndirect{Off: 0, Size: 1}, bpf.StoreScratch{Src: bpf.RegA, N: 0},
			bpf.TXA{}, bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: 8}, bpf.TAX{},
			bpf.LoadScratch{Dst: bpf.RegA, N: 0},
		) // falls through to the next round
	}
}

// leafSize is the largest port list tested by a plain chain of equality
// jumps; larger lists are split in two by a >= test first.
const leafSize = 16

// search emits a binary search for A in the sorted list, accepting on a
// match and dropping otherwise. Each leaf carries its own accept and drop
// code (4 instructions), so no leaf needs a long jump: that keeps large
// sets near 1.3 instructions per port.
func search(a *asm, name string, ports []uint16) {
	if len(ports) == 0 {
		a.goTo("drop")
		return
	}
	if len(ports) <= leafSize {
		accept := name + "+"
		for _, p := range ports {
			a.jump(bpf.JumpEqual, uint32(p), accept, "")
		}
		a.op(bpf.RetConstant{Val: 0})
		a.label(accept)
		a.op(bpf.TXA{}, bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: l4Bytes}, bpf.RetA{})
		return
	}
	// Split on a leaf boundary so that every leaf but the last is full.
	leaves := (len(ports) + leafSize - 1) / leafSize
	mid := leaves / 2 * leafSize
	right := name + ">=" + strconv.Itoa(int(ports[mid]))
	a.jump(bpf.JumpGreaterOrEqual, uint32(ports[mid]), right, "")
	search(a, name+"<", ports[:mid])
	a.label(right)
	search(a, right, ports[mid:])
}
