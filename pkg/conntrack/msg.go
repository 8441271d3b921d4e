package conntrack

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/uciknock/uciknock/internal/nfnl"
	"github.com/uciknock/uciknock/internal/nlattr"
)

// ctnetlink message types and attributes (linux/netfilter/nfnetlink_conntrack.h).
const (
	msgCtNew    = 0 // IPCTNL_MSG_CT_NEW: what a dump returns
	msgCtGet    = 1 // IPCTNL_MSG_CT_GET
	msgCtDelete = 2 // IPCTNL_MSG_CT_DELETE

	ctaTupleOrig  = 1  // CTA_TUPLE_ORIG
	ctaID         = 12 // CTA_ID
	ctaZone       = 18 // CTA_ZONE
	ctaTupleIP    = 1  // CTA_TUPLE_IP
	ctaTupleProto = 2  // CTA_TUPLE_PROTO
	ctaIPv4Src    = 1  // CTA_IP_V4_SRC
	ctaIPv4Dst    = 2  // CTA_IP_V4_DST
	ctaIPv6Src    = 3  // CTA_IP_V6_SRC
	ctaIPv6Dst    = 4  // CTA_IP_V6_DST
	ctaProtoNum   = 1  // CTA_PROTO_NUM
	ctaProtoSrc   = 2  // CTA_PROTO_SRC_PORT
	ctaProtoDst   = 3  // CTA_PROTO_DST_PORT
)

// Entry is one conntrack entry, described by its original-direction
// tuple.
type Entry struct {
	Proto            uint8 // IP protocol number: 6 tcp, 17 udp
	Src, Dst         netip.Addr
	SrcPort, DstPort uint16
	ID               uint32 // CTA_ID, 0 if the kernel sent none
	Zone             uint16 // CTA_ZONE, 0 for the default zone
	hasID, hasZone   bool
}

func (e Entry) String() string {
	return fmt.Sprintf("proto %d %s -> %s",
		e.Proto, netip.AddrPortFrom(e.Src, e.SrcPort), netip.AddrPortFrom(e.Dst, e.DstPort))
}

// family returns AF_INET or AF_INET6 for an address.
func family(a netip.Addr) uint8 {
	if a.Is4() {
		return 2 // AF_INET
	}
	return 10 // AF_INET6
}

func be16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }

// tupleAttrs encodes e's original tuple as CTA_TUPLE_ORIG.
func tupleAttrs(e Entry) []byte {
	srcT, dstT := uint16(ctaIPv4Src), uint16(ctaIPv4Dst)
	if !e.Src.Is4() {
		srcT, dstT = ctaIPv6Src, ctaIPv6Dst
	}
	ip := nlattr.Append(nil, srcT, e.Src.AsSlice())
	ip = nlattr.Append(ip, dstT, e.Dst.AsSlice())
	proto := nlattr.Append(nil, ctaProtoNum, []byte{e.Proto})
	proto = nlattr.Append(proto, ctaProtoSrc, be16(e.SrcPort))
	proto = nlattr.Append(proto, ctaProtoDst, be16(e.DstPort))
	tuple := nlattr.Append(nil, ctaTupleIP|nlattr.Nested, ip)
	tuple = nlattr.Append(tuple, ctaTupleProto|nlattr.Nested, proto)
	return nlattr.Append(nil, ctaTupleOrig|nlattr.Nested, tuple)
}

// message builds a ctnetlink message (NFNL_SUBSYS_CTNETLINK << 8 | typ).
func message(typ uint16, flags uint16, seq uint32, fam uint8, attrs []byte) []byte {
	return nfnl.AppendMsg(nil, 1<<8|typ, flags, seq, fam, 0, attrs)
}

// deleteMessage asks to delete exactly entry e.
func deleteMessage(e Entry, seq uint32) []byte {
	a := tupleAttrs(e)
	if e.hasID {
		a = nlattr.Append(a, ctaID, binary.BigEndian.AppendUint32(nil, e.ID))
	}
	if e.hasZone {
		a = nlattr.Append(a, ctaZone, be16(e.Zone))
	}
	const flags = nfnl.Request | nfnl.Ack
	return message(msgCtDelete, flags, seq, family(e.Src), a)
}

// dumpMessage asks for every entry of an address family.
func dumpMessage(fam uint8, seq uint32) []byte {
	const flags = nfnl.Request | nfnl.Dump
	return message(msgCtGet, flags, seq, fam, nil)
}

// parseEntry decodes the attributes of one IPCTNL_MSG_CT_NEW message
// (after the nfgenmsg header). ok is false for entries without a usable
// original tuple (e.g. protocols without ports).
func parseEntry(b []byte) (e Entry, ok bool, err error) {
	err = nlattr.Walk(b, func(typ uint16, data []byte) error {
		switch typ {
		case ctaTupleOrig:
			return nlattr.Walk(data, func(typ uint16, data []byte) error {
				switch typ {
				case ctaTupleIP:
					return nlattr.Walk(data, e.setIP)
				case ctaTupleProto:
					return nlattr.Walk(data, e.setProto)
				}
				return nil
			})
		case ctaID:
			if len(data) == 4 {
				e.ID, e.hasID = binary.BigEndian.Uint32(data), true
			}
		case ctaZone:
			if len(data) == 2 {
				e.Zone, e.hasZone = binary.BigEndian.Uint16(data), true
			}
		}
		return nil
	})
	ok = err == nil && e.Src.IsValid() && e.Dst.IsValid() && e.Proto != 0
	return e, ok, err
}

func (e *Entry) setIP(typ uint16, data []byte) error {
	a, ok := netip.AddrFromSlice(data)
	if !ok {
		return nil
	}
	switch typ {
	case ctaIPv4Src, ctaIPv6Src:
		e.Src = a
	case ctaIPv4Dst, ctaIPv6Dst:
		e.Dst = a
	}
	return nil
}

func (e *Entry) setProto(typ uint16, data []byte) error {
	switch {
	case typ == ctaProtoNum && len(data) == 1:
		e.Proto = data[0]
	case typ == ctaProtoSrc && len(data) == 2:
		e.SrcPort = binary.BigEndian.Uint16(data)
	case typ == ctaProtoDst && len(data) == 2:
		e.DstPort = binary.BigEndian.Uint16(data)
	}
	return nil
}
