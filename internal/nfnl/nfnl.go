// Package nfnl speaks the NETLINK_NETFILTER transport that conntrack
// (ctnetlink) and the fast path (nf_tables) share: it builds a message
// header (struct nlmsghdr plus struct nfgenmsg), splits a datagram of
// answers into messages, reads the errno of an NLMSG_ERROR or
// NLMSG_DONE, and (Linux) opens the socket and receives from it with a
// bounded wait.
//
// It knows no subsystem: message types, attributes (internal/nlattr)
// and what a sequence number of an answer means are its callers'.
//
// Example:
//
//	c, err := nfnl.Dial(5 * time.Second)
//	msg := nfnl.AppendMsg(nil, 1<<8|typ, nfnl.Request|nfnl.Ack, seq, family, 0, attrs)
//	err = c.Send(msg)
//	d, err := c.Recv(false)
//	err = nfnl.WalkMsgs(d, func(m nfnl.Msg) error { … })
package nfnl

import (
	"encoding/binary"
	"errors"
)

// Header sizes; headers are in host byte order but for nfgenmsg's res_id.
const (
	HdrLen = 16 // struct nlmsghdr
	GenLen = 4  // struct nfgenmsg
)

// Header flags (linux/netlink.h).
const (
	Request  = 0x1   // NLM_F_REQUEST
	Ack      = 0x4   // NLM_F_ACK
	DumpIntr = 0x10  // NLM_F_DUMP_INTR: the dumped objects changed during the dump
	Dump     = 0x300 // NLM_F_ROOT | NLM_F_MATCH
	Create   = 0x400 // NLM_F_CREATE
)

// Message types every netlink family shares.
const (
	MsgError = 2 // NLMSG_ERROR: an ack (errno 0) or an error
	MsgDone  = 3 // NLMSG_DONE: the end of a dump
)

// ErrMalformed is the error for a message whose length is below its
// header or past the end of its datagram, or an error message too short
// for its errno.
var ErrMalformed = errors.New("malformed netlink message")

// AppendMsg appends one message to b: nlmsghdr (port id 0: the kernel),
// nfgenmsg (family, NFNETLINK_V0, res_id big-endian) and the attributes.
func AppendMsg(b []byte, typ, flags uint16, seq uint32, family uint8, resID uint16, attrs []byte) []byte {
	b = binary.NativeEndian.AppendUint32(b, uint32(HdrLen+GenLen+len(attrs)))
	b = binary.NativeEndian.AppendUint16(b, typ)
	b = binary.NativeEndian.AppendUint16(b, flags)
	b = binary.NativeEndian.AppendUint32(b, seq)
	b = binary.NativeEndian.AppendUint32(b, 0)
	b = append(b, family, 0)
	b = binary.BigEndian.AppendUint16(b, resID)
	return append(b, attrs...)
}

// Msg is one netlink message read back.
type Msg struct {
	Type, Flags uint16
	Seq         uint32
	Body        []byte // after the nlmsghdr
}

// WalkMsgs calls fn with each message of one datagram, in order, and
// stops at fn's first error. Bytes after the last whole message (fewer
// than a header) are ignored.
func WalkMsgs(b []byte, fn func(m Msg) error) error {
	for len(b) >= HdrLen {
		n := int(binary.NativeEndian.Uint32(b))
		if n < HdrLen || n > len(b) {
			return ErrMalformed
		}
		m := Msg{Type: binary.NativeEndian.Uint16(b[4:]), Flags: binary.NativeEndian.Uint16(b[6:]),
			Seq: binary.NativeEndian.Uint32(b[8:]), Body: b[HdrLen:n]}
		if err := fn(m); err != nil {
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

// Errno reads the error of an NLMSG_ERROR (0 for an ack) or NLMSG_DONE
// body: a negative errno in host order, returned positive.
func Errno(body []byte) (int32, error) {
	if len(body) < 4 {
		return 0, ErrMalformed
	}
	return -int32(binary.NativeEndian.Uint32(body)), nil
}
