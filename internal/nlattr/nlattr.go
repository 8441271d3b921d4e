// Package nlattr walks and appends netlink attributes (struct nlattr: a
// 16-bit length that counts the 4-byte header, a 16-bit type, the
// payload, padding to 4 bytes), the piece of netlink coding that
// conntrack (ctnetlink) and the fast path (nftables) share.
//
// It does not open sockets, build message headers or know any attribute
// type.
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

// Nested is NLA_F_NESTED: set in the type of an attribute whose payload
// is attributes.
const Nested = 0x8000

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

// Append appends to b an attribute of type typ holding data, padded to 4
// bytes. The header is in host byte order, as netlink wants; data is
// copied as it is (nftables and ctnetlink numbers are big-endian).
func Append(b []byte, typ uint16, data []byte) []byte {
	b = binary.NativeEndian.AppendUint16(b, uint16(4+len(data)))
	b = binary.NativeEndian.AppendUint16(b, typ)
	b = append(b, data...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// AppendString appends a NUL-terminated string attribute (NLA_STRING as
// the kernel's nla_strcmp and nla_strscpy read it).
func AppendString(b []byte, typ uint16, s string) []byte {
	return Append(b, typ, append([]byte(s), 0))
}
