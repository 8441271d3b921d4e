package netns

import (
	"encoding/binary"
	"github.com/uciknock/uciknock/internal/inet"
	"net/netip"
)

// IP protocol numbers used by Packet.
const (
	ProtoTCP = 6
	ProtoUDP = 17
)

// Ext is an IPv6 extension header for Packet: Type is its protocol number
// (0 hop-by-hop, 43 routing, 44 fragment, 60 destination options, or any
// other to test rejection) and Len its total length in bytes (a multiple
// of 8, at least 8; the fragment header is always 8).
type Ext struct {
	Type uint8
	Len  int
}

// Packet describes an IPv4 or IPv6 TCP or UDP packet for a test to build
// with Marshal: the family follows Src. It can describe what real stacks
// do not send, on purpose (fragments, options, extension headers).
type Packet struct {
	Src, Dst         netip.Addr
	Proto            uint8 // ProtoTCP, ProtoUDP or anything else (then Payload follows the IP header)
	SrcPort, DstPort uint16
	TCPFlags         uint8
	// IPv4Options are appended to the IPv4 header; the length must be a
	// multiple of 4, at most 40.
	IPv4Options []byte
	// Ext are IPv6 extension headers, in order, before the transport
	// header.
	Ext []Ext
	// FragOffset is the fragment offset in 8-byte units (IPv4 header, or
	// the IPv6 fragment header in Ext); MoreFragments sets MF / M.
	FragOffset    uint16
	MoreFragments bool
	TTL           uint8 // 64 when zero
	Payload       []byte
}

// Marshal returns the packet's bytes starting at the IP header, with
// correct lengths and checksums.
func (p Packet) Marshal() []byte {
	l4 := p.transport()
	if p.Src.Is4() {
		return p.ipv4(l4)
	}
	return p.ipv6(l4)
}

func (p Packet) ttl() uint8 {
	if p.TTL == 0 {
		return 64
	}
	return p.TTL
}

func (p Packet) transport() []byte {
	var h []byte
	switch p.Proto {
	case ProtoTCP:
		h = make([]byte, 20)
		binary.BigEndian.PutUint16(h[0:], p.SrcPort)
		binary.BigEndian.PutUint16(h[2:], p.DstPort)
		binary.BigEndian.PutUint32(h[4:], 0x01020304) // sequence number
		h[12] = 5 << 4                                // data offset: 5 words
		h[13] = p.TCPFlags
		binary.BigEndian.PutUint16(h[14:], 64240) // window
	case ProtoUDP:
		h = make([]byte, 8)
		binary.BigEndian.PutUint16(h[0:], p.SrcPort)
		binary.BigEndian.PutUint16(h[2:], p.DstPort)
		binary.BigEndian.PutUint16(h[4:], uint16(8+len(p.Payload)))
	}
	return append(h, p.Payload...)
}

// checksumOffset is where the transport checksum lives, or -1.
func (p Packet) checksumOffset() int {
	switch p.Proto {
	case ProtoTCP:
		return 16
	case ProtoUDP:
		return 6
	}
	return -1
}

func (p Packet) ipv4(l4 []byte) []byte {
	hl := 20 + len(p.IPv4Options)
	b := make([]byte, hl, hl+len(l4))
	b[0] = 0x40 | uint8(hl/4)
	binary.BigEndian.PutUint16(b[2:], uint16(hl+len(l4)))
	binary.BigEndian.PutUint16(b[4:], 0x1234) // identification
	frag := p.FragOffset & 0x1fff
	if p.MoreFragments {
		frag |= 0x2000
	}
	binary.BigEndian.PutUint16(b[6:], frag)
	b[8], b[9] = p.ttl(), p.Proto
	s, d := p.Src.As4(), p.Dst.As4()
	copy(b[12:], s[:])
	copy(b[16:], d[:])
	copy(b[20:], p.IPv4Options)
	binary.BigEndian.PutUint16(b[10:], ^sum(0, b))
	if off := p.checksumOffset(); off >= 0 {
		pseudo := uint32(sum(0, b[12:20])) + uint32(p.Proto) + uint32(len(l4))
		binary.BigEndian.PutUint16(l4[off:], fold(^sum(pseudo, l4), p.Proto))
	}
	return append(b, l4...)
}

func (p Packet) ipv6(l4 []byte) []byte {
	b := make([]byte, 40)
	b[0] = 0x60
	s, d := p.Src.As16(), p.Dst.As16()
	copy(b[8:], s[:])
	copy(b[24:], d[:])
	b[7] = p.ttl()
	next := 6 // index of the current next-header field
	for _, e := range p.Ext {
		b[next] = e.Type
		n := len(b)
		if e.Type == 44 {
			h := make([]byte, 8)
			frag := p.FragOffset << 3
			if p.MoreFragments {
				frag |= 1
			}
			binary.BigEndian.PutUint16(h[2:], frag)
			b = append(b, h...)
		} else {
			h := make([]byte, e.Len)
			h[1] = uint8(e.Len/8 - 1)
			if e.Len >= 8 {
				h[2] = 1 // a PadN option covering the rest
				h[3] = uint8(e.Len - 4)
			}
			b = append(b, h...)
		}
		next = n
	}
	b[next] = p.Proto
	binary.BigEndian.PutUint16(b[4:], uint16(len(b)-40+len(l4)))
	if off := p.checksumOffset(); off >= 0 {
		pseudo := uint32(sum(0, b[8:40])) + uint32(len(l4)) + uint32(p.Proto)
		binary.BigEndian.PutUint16(l4[off:], fold(^sum(pseudo, l4), p.Proto))
	}
	return append(b, l4...)
}

// fold maps a UDP checksum of 0 to 0xffff (0 means "no checksum").
func fold(c uint16, proto uint8) uint16 {
	if c == 0 && proto == ProtoUDP {
		return 0xffff
	}
	return c
}

// sum is the Internet checksum's one's-complement sum (RFC 1071), folded.
func sum(acc uint32, b []byte) uint16 { return inet.Checksum(acc, b) }
