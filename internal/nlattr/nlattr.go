// Package nlattr walks netlink attributes (struct nlattr: a 16-bit
// length that counts the 4-byte header, a 16-bit type, the payload,
// padding to 4 bytes), the one piece of netlink decoding that conntrack
// (ctnetlink) and the fast path (nftables) share.
//
// It does not open sockets, build messages or know any attribute type.
//
// Example:
//
//	err := nlattr.Walk(b, func(typ uint16, data []byte) error {
//		if typ == CTA_TUPLE_ORIG {
//			return nlattr.Walk(data, tuple) // nested
//		}
//		return nil
//	})
package nlattr

import (
	"encoding/binary"
	"errors"
)

// TypeMask clears the NLA_F_NESTED and NLA_F_NET_BYTEORDER flags from an
// attribute type.
const TypeMask = 0x3fff

// ErrShort is Walk's error for an attribute whose length is below its
// header or past the end of the buffer.
var ErrShort = errors.New("truncated netlink attribute")

// Walk calls fn with the type (flags masked) and payload of each
// attribute in b, in order, and stops at fn's first error. Bytes after
// the last whole attribute (fewer than a header) are ignored, as the
// kernel does.
func Walk(b []byte, fn func(typ uint16, data []byte) error) error {
	for len(b) >= 4 {
		n := int(binary.NativeEndian.Uint16(b))
		typ := binary.NativeEndian.Uint16(b[2:]) & TypeMask
		if n < 4 || n > len(b) {
			return ErrShort
		}
		if err := fn(typ, b[4:n]); err != nil {
			return err
		}
		n = (n + 3) &^ 3
		if n > len(b) {
			n = len(b)
		}
		b = b[n:]
	}
	return nil
}
