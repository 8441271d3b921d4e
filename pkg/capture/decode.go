package capture

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"time"

	"github.com/uciknock/uciknock/pkg/knock"
)

// Decode errors. They are fixed values so that Decode never allocates;
// compare with errors.Is.
var (
	// ErrTruncated: the packet ends before the headers it announces.
	ErrTruncated = errors.New("capture: packet truncated")
	// ErrMalformed: a header field is impossible (wrong IP version for
	// the ethertype, IPv4 header shorter than 20 bytes, lengths that do
	// not fit).
	ErrMalformed = errors.New("capture: malformed packet")
	// ErrUnsupported: a well-formed packet that cannot be a knock: not
	// IPv4/IPv6, not TCP/UDP, a non-first fragment, or IPv6 extension
	// headers other than those Filter walks.
	ErrUnsupported = errors.New("capture: not a knock packet")
	// ErrSource: the source address cannot be a peer (unspecified,
	// loopback, multicast, limited broadcast, or IPv4-mapped IPv6); a
	// door for it would be meaningless or dangerous.
	ErrSource = errors.New("capture: impossible source address")
)

// Minimum transport header lengths, for the length-field checks.
const (
	tcpHeaderLen = 20
	udpHeaderLen = 8
)

// Decode parses a cooked packet b (starting at the IPv4 or IPv6 header, as
// a SOCK_DGRAM packet socket delivers it) whose link-layer protocol is
// ethertype, into k, stamped with now. It accepts exactly what Filter
// passes, and needs only the bytes Filter keeps: the network headers and
// the first 14 bytes of the TCP or UDP header. On error k is left partly
// written. Decode does not allocate and never panics, whatever b holds.
func Decode(b []byte, ethertype uint16, now time.Time, k *knock.Knock) error {
	var (
		l4  int
		err error
	)
	switch ethertype {
	case etherTypeIPv4:
		l4, err = decodeIPv4(b, k)
	case etherTypeIPv6:
		l4, err = decodeIPv6(b, k)
	default:
		return ErrUnsupported
	}
	if err != nil {
		return err
	}
	need := 4 // UDP: the ports are enough
	if k.Proto == knock.ProtoTCP {
		need = l4Bytes
	}
	if len(b) < l4+need {
		return ErrTruncated
	}
	k.Port = binary.BigEndian.Uint16(b[l4+2:])
	k.TCPFlags = 0
	if k.Proto == knock.ProtoTCP {
		if b[l4+12]>>4 < 5 { // data offset: the header is at least 5 words
			return ErrMalformed
		}
		k.TCPFlags = b[l4+13] & 0x3f // FIN..URG; ECE and CWR are congestion signals
	} else if len(b) >= l4+6 && binary.BigEndian.Uint16(b[l4+4:]) < udpHeaderLen {
		return ErrMalformed // UDP length shorter than its own header
	}
	if !peer(k.Src) {
		return ErrSource
	}
	k.Time = now
	return nil
}

// peer reports whether a can be the source of a real packet from a peer.
func peer(a netip.Addr) bool {
	return !a.IsUnspecified() && !a.IsLoopback() && !a.IsMulticast() && !a.Is4In6() &&
		a != netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

// decodeIPv4 fills Src, Dst and Proto and returns the transport offset.
func decodeIPv4(b []byte, k *knock.Knock) (int, error) {
	if len(b) < 20 {
		return 0, ErrTruncated
	}
	if b[0]>>4 != 4 {
		return 0, ErrMalformed
	}
	ihl := int(b[0]&0x0f) * 4
	if ihl < 20 {
		return 0, ErrMalformed
	}
	if len(b) < ihl {
		return 0, ErrTruncated
	}
	if binary.BigEndian.Uint16(b[6:])&0x1fff != 0 {
		return 0, ErrUnsupported // non-first fragment: no transport header
	}
	if err := setProto(b[9], k); err != nil {
		return 0, err
	}
	if int(binary.BigEndian.Uint16(b[2:])) < ihl+minL4(k.Proto) {
		return 0, ErrMalformed
	}
	k.Src = netip.AddrFrom4([4]byte(b[12:16]))
	k.Dst = netip.AddrFrom4([4]byte(b[16:20]))
	return ihl, nil
}

// decodeIPv6 fills Src, Dst and Proto, walking the extension headers as
// Filter does, and returns the transport offset.
func decodeIPv6(b []byte, k *knock.Knock) (int, error) {
	if len(b) < 40 {
		return 0, ErrTruncated
	}
	if b[0]>>4 != 6 {
		return 0, ErrMalformed
	}
	nh, off := b[6], 40
	for n := 0; nh != uint8(knock.ProtoTCP) && nh != uint8(knock.ProtoUDP); n++ {
		if n == MaxIPv6ExtHeaders {
			return 0, ErrUnsupported
		}
		switch nh {
		case ipv6HopByHop, ipv6Routing, ipv6DestOpts:
			if len(b) < off+2 {
				return 0, ErrTruncated
			}
			nh, off = b[off], off+(int(b[off+1])+1)*8
		case ipv6Fragment:
			if len(b) < off+8 {
				return 0, ErrTruncated
			}
			if binary.BigEndian.Uint16(b[off+2:])&0xfff8 != 0 {
				return 0, ErrUnsupported
			}
			nh, off = b[off], off+8
		default:
			return 0, ErrUnsupported
		}
	}
	if err := setProto(nh, k); err != nil {
		return 0, err
	}
	// A zero payload length means a jumbogram (RFC 2675), whose real
	// length is in a hop-by-hop option; anything else must cover the
	// headers.
	if pl := int(binary.BigEndian.Uint16(b[4:])); pl != 0 && 40+pl < off+minL4(k.Proto) {
		return 0, ErrMalformed
	}
	k.Src = netip.AddrFrom16([16]byte(b[8:24]))
	k.Dst = netip.AddrFrom16([16]byte(b[24:40]))
	return off, nil
}

func setProto(p uint8, k *knock.Knock) error {
	switch knock.Proto(p) {
	case knock.ProtoTCP, knock.ProtoUDP:
		k.Proto = knock.Proto(p)
		return nil
	}
	return ErrUnsupported
}

func minL4(p knock.Proto) int {
	if p == knock.ProtoTCP {
		return tcpHeaderLen
	}
	return udpHeaderLen
}
