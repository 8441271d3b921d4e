package conntrack

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/uciknock/uciknock/internal/nfnl"
	"github.com/uciknock/uciknock/internal/nlattr"
)

// hdr is a netlink attribute header in host byte order.
func hdr(l, typ uint16) []byte {
	b := binary.NativeEndian.AppendUint16(nil, l)
	return binary.NativeEndian.AppendUint16(b, typ)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// TestDeleteMessageBytes pins the exact bytes of a delete request, laid
// out by hand from linux/netfilter/nfnetlink_conntrack.h.
func TestDeleteMessageBytes(t *testing.T) {
	e := Entry{
		Proto: 6, Src: netip.MustParseAddr("192.0.2.2"), Dst: netip.MustParseAddr("192.0.2.1"),
		SrcPort: 40000, DstPort: 22, ID: 0x01020304, hasID: true,
	}
	ip := cat(hdr(8, 1), []byte{192, 0, 2, 2}, hdr(8, 2), []byte{192, 0, 2, 1})
	proto := cat(hdr(5, 1), []byte{6, 0, 0, 0}, hdr(6, 2), []byte{0x9c, 0x40, 0, 0}, hdr(6, 3), []byte{0, 22, 0, 0})
	tuple := cat(hdr(uint16(4+len(ip)), 0x8001), ip, hdr(uint16(4+len(proto)), 0x8002), proto)
	attrs := cat(hdr(uint16(4+len(tuple)), 0x8001), tuple, hdr(8, 12), []byte{1, 2, 3, 4})
	nl := cat(
		binary.NativeEndian.AppendUint32(nil, uint32(20+len(attrs))),
		binary.NativeEndian.AppendUint16(nil, 0x0102), // CTNETLINK << 8 | DELETE
		binary.NativeEndian.AppendUint16(nil, 0x0005), // REQUEST | ACK
		binary.NativeEndian.AppendUint32(nil, 7),      // seq
		[]byte{0, 0, 0, 0},                            // port id
		[]byte{2, 0, 0, 0},                            // AF_INET, V0, res_id
		attrs,
	)
	if got := deleteMessage(e, 7); !bytes.Equal(got, nl) {
		t.Fatalf("delete message\n got %x\nwant %x", got, nl)
	}
}

func TestDumpMessage(t *testing.T) {
	got := dumpMessage(10, 9)
	want := cat(
		binary.NativeEndian.AppendUint32(nil, 20),
		binary.NativeEndian.AppendUint16(nil, 0x0101), // CTNETLINK << 8 | GET
		binary.NativeEndian.AppendUint16(nil, 0x0301), // REQUEST | DUMP
		binary.NativeEndian.AppendUint32(nil, 9),
		[]byte{0, 0, 0, 0, 10, 0, 0, 0},
	)
	if !bytes.Equal(got, want) {
		t.Fatalf("dump message\n got %x\nwant %x", got, want)
	}
}

// kernelEntry builds the attributes of a dump answer the way the kernel
// lays them out (orig tuple, reply tuple, status, timeout, id, zone).
func kernelEntry(e Entry, nestedFlag uint16) []byte {
	v6 := !e.Src.Is4()
	srcT, dstT := uint16(1), uint16(2)
	if v6 {
		srcT, dstT = 3, 4
	}
	tuple := func(src, dst netip.Addr, sp, dp uint16) []byte {
		ip := nlattr.Append(nlattr.Append(nil, srcT, src.AsSlice()), dstT, dst.AsSlice())
		pr := nlattr.Append(nlattr.Append(nlattr.Append(nil, 1, []byte{e.Proto}), 2, be16(sp)), 3, be16(dp))
		return nlattr.Append(nlattr.Append(nil, 1|nestedFlag, ip), 2|nestedFlag, pr)
	}
	b := nlattr.Append(nil, 1|nestedFlag, tuple(e.Src, e.Dst, e.SrcPort, e.DstPort))
	b = nlattr.Append(b, 2|nestedFlag, tuple(e.Dst, e.Src, e.DstPort, e.SrcPort))
	b = nlattr.Append(b, 3, binary.BigEndian.AppendUint32(nil, 0x18e)) // CTA_STATUS
	b = nlattr.Append(b, 7, binary.BigEndian.AppendUint32(nil, 431999))
	b = nlattr.Append(b, 12, binary.BigEndian.AppendUint32(nil, e.ID))
	return nlattr.Append(b, 18, be16(e.Zone))
}

func TestParseEntry(t *testing.T) {
	for _, want := range []Entry{
		{Proto: 6, Src: netip.MustParseAddr("192.0.2.2"), Dst: netip.MustParseAddr("192.0.2.1"), SrcPort: 40000, DstPort: 22, ID: 77, Zone: 0},
		{Proto: 17, Src: netip.MustParseAddr("2001:db8::2"), Dst: netip.MustParseAddr("2001:db8::1"), SrcPort: 5353, DstPort: 53, ID: 1 << 31, Zone: 3},
	} {
		want.hasID, want.hasZone = true, true
		for _, flag := range []uint16{0, nlattr.Nested} {
			got, ok, err := parseEntry(kernelEntry(want, flag))
			if err != nil || !ok || got != want {
				t.Fatalf("parseEntry = %+v %v %v, want %+v", got, ok, err, want)
			}
		}
	}
	// Garbage is an error or an unusable entry, never a panic.
	for _, b := range [][]byte{nil, {1}, hdr(3, 1), cat(hdr(40, 1), []byte{1, 2})} {
		if _, ok, _ := parseEntry(b); ok {
			t.Fatalf("parseEntry(%x) produced an entry", b)
		}
	}
}

// TestRoundTrip: what deleteMessage encodes, parseEntry decodes.
func TestRoundTrip(t *testing.T) {
	e := Entry{Proto: 17, Src: netip.MustParseAddr("2001:db8::7"), Dst: netip.MustParseAddr("2001:db8::1"),
		SrcPort: 1, DstPort: 65535, ID: 5, Zone: 9, hasID: true, hasZone: true}
	msg := deleteMessage(e, 1)
	got, ok, err := parseEntry(msg[nfnl.HdrLen+nfnl.GenLen:])
	if err != nil || !ok || got != e {
		t.Fatalf("round trip: %+v %v %v", got, ok, err)
	}
}

func FuzzParseEntry(f *testing.F) {
	f.Add(kernelEntry(Entry{Proto: 6, Src: netip.MustParseAddr("192.0.2.2"), Dst: netip.MustParseAddr("192.0.2.1"), SrcPort: 1, DstPort: 22}, nlattr.Nested))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, ok, _ := parseEntry(b)
		if ok && (!e.Src.IsValid() || !e.Dst.IsValid()) {
			t.Fatalf("ok entry without addresses: %+v", e)
		}
	})
}
