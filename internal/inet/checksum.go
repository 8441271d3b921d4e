// Package inet holds the Internet checksum shared by the packet builders
// of the test helpers (internal/netns) and the benchmark (cmd/knockbench).
//
// What it does not: build or parse packets; the daemon's decoder does not
// verify checksums at all (the kernel has, for packets to the host).
//
// Example:
//
//	ipHeader[10], ipHeader[11] = 0, 0
//	binary.BigEndian.PutUint16(ipHeader[10:], ^inet.Checksum(0, ipHeader))
package inet

import "encoding/binary"

// Checksum is the Internet checksum's one's-complement sum (RFC 1071) of
// b added to acc, folded to 16 bits (not inverted).
func Checksum(acc uint32, b []byte) uint16 {
	for len(b) >= 2 {
		acc += uint32(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		acc += uint32(b[0]) << 8
	}
	for acc > 0xffff {
		acc = acc>>16 + acc&0xffff
	}
	return uint16(acc)
}
