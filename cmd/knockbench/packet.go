package main

import (
	"encoding/binary"
	"fmt"
	"github.com/uciknock/uciknock/internal/inet"
	"net/netip"
)

// Transport protocol numbers of flood frames.
const (
	TCP uint8 = 6
	UDP uint8 = 17
)

// MaxSources is the number of distinct spoofed sources available: all of
// 198.18.0.0/15 (RFC 2544's benchmarking range).
const MaxSources = 1 << 17

// sourceStride walks the sources in a scattered order; it is prime and
// therefore coprime with every source count that is not its multiple.
const sourceStride = 7919

// FloodSpec says what a flood sends: IPv4 frames from Sources distinct
// addresses in 198.18.0.0/15 to one destination port (or to random ports
// when Port is 0, alternating TCP SYN and UDP), protocol Proto.
type FloodSpec struct {
	Name    string // short name for reports
	Sources int    // 1..MaxSources distinct spoofed sources
	Port    uint16 // destination port; 0: a pseudo-random port per packet
	Proto   uint8  // TCP (a SYN) or UDP; ignored with Port 0
}

// Validate checks the spec before a flood starts.
func (s FloodSpec) Validate() error {
	if s.Sources < 1 || s.Sources > MaxSources {
		return fmt.Errorf("flood %q: %d sources, want 1..%d", s.Name, s.Sources, MaxSources)
	}
	if s.Sources%sourceStride == 0 {
		return fmt.Errorf("flood %q: %d sources is a multiple of %d", s.Name, s.Sources, sourceStride)
	}
	if s.Port != 0 && s.Proto != TCP && s.Proto != UDP {
		return fmt.Errorf("flood %q: protocol %d, want TCP (6) or UDP (17)", s.Name, s.Proto)
	}
	return nil
}

// Source returns the spoofed source of the i-th packet: the n distinct
// addresses are visited in a scattered order and repeat every n packets.
func Source(i, n int) [4]byte {
	k := uint32((uint64(i) * sourceStride) % uint64(n))
	return [4]byte{198, 18 + byte(k>>16), byte(k >> 8), byte(k)}
}

// randomPort maps i to a port in 1..65535 with a cheap integer hash, so a
// random-port flood is the same in every run.
func randomPort(i int) uint16 {
	x := uint32(i)*0x9E3779B1 + 0x7F4A7C15
	x ^= x >> 15
	x *= 0x2C1B3C6D
	x ^= x >> 12
	return uint16(x%65535) + 1
}

// Frame writes the i-th packet of the flood to dst into b (at least
// FrameLen bytes) and returns its length. It allocates nothing.
func (s FloodSpec) Frame(b []byte, i int, dst [4]byte) int {
	src := Source(i, s.Sources)
	port, proto := s.Port, s.Proto
	if port == 0 {
		port, proto = randomPort(i), TCP
		if i&1 == 1 {
			proto = UDP
		}
	}
	sport := uint16(1024 + (i*31)%60000)
	return PutIPv4(b, src, dst, proto, sport, port)
}

// FrameLen is the size of every flood frame's buffer: an IPv4 header and
// a TCP header without options (UDP frames are shorter).
const FrameLen = 40

// PutIPv4 writes an IPv4 packet into b: a TCP SYN (20-byte header, no
// options) or a UDP datagram without payload, with correct checksums. It
// returns the packet's length; b must hold FrameLen bytes.
func PutIPv4(b []byte, src, dst [4]byte, proto uint8, sport, dport uint16) int {
	l4 := 20
	if proto == UDP {
		l4 = 8
	}
	n := 20 + l4
	b = b[:n]
	clear(b)
	b[0] = 0x45
	binary.BigEndian.PutUint16(b[2:], uint16(n))
	binary.BigEndian.PutUint16(b[4:], sport^dport) // identification
	b[8], b[9] = 64, proto
	copy(b[12:16], src[:])
	copy(b[16:20], dst[:])
	binary.BigEndian.PutUint16(b[10:], ^Checksum(0, b[:20]))
	t := b[20:]
	binary.BigEndian.PutUint16(t[0:], sport)
	binary.BigEndian.PutUint16(t[2:], dport)
	off := 6
	if proto == TCP {
		binary.BigEndian.PutUint32(t[4:], uint32(sport)<<16|uint32(dport)) // sequence number
		t[12] = 5 << 4
		t[13] = 0x02 // SYN
		binary.BigEndian.PutUint16(t[14:], 64240)
		off = 16
	} else {
		binary.BigEndian.PutUint16(t[4:], uint16(l4))
	}
	pseudo := uint32(Checksum(0, b[12:20])) + uint32(proto) + uint32(l4)
	c := ^Checksum(pseudo, t)
	if c == 0 && proto == UDP {
		c = 0xffff // 0 means "no checksum" in UDP
	}
	binary.BigEndian.PutUint16(t[off:], c)
	return n
}

// Checksum is the Internet checksum's one's-complement sum (RFC 1071) of
// b added to acc, folded to 16 bits (not inverted).
func Checksum(acc uint32, b []byte) uint16 { return inet.Checksum(acc, b) }

// SpoofedPrefix is the only range flood sources come from.
var SpoofedPrefix = netip.MustParsePrefix("198.18.0.0/15")
