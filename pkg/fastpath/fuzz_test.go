package fastpath

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"

	"github.com/uciknock/uciknock/internal/nfnl"
	"github.com/uciknock/uciknock/pkg/door"
)

// FuzzParseEvent: a netlink notification never panics the parser, and
// what it reports is about table inet fw4 only.
func FuzzParseEvent(f *testing.F) {
	attr := func(t uint16, v []byte) []byte {
		b := binary.NativeEndian.AppendUint16(nil, uint16(4+len(v)))
		b = binary.NativeEndian.AppendUint16(b, t)
		b = append(b, v...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		return b
	}
	nfgen := []byte{familyINet, 0, 0, 0}
	table := attr(1, []byte("fw4\x00"))
	key := attr(1|0x8000, attr(1, []byte{192, 0, 2, 7, 6, 0, 0, 0, 0, 22, 0, 0}))
	elems := attr(3|0x8000, attr(1|0x8000, key))
	f.Add(uint16(subsysNFTables<<8|msgNewTable), append(append([]byte{}, nfgen...), table...))
	f.Add(uint16(subsysNFTables<<8|msgNewSet), append(append(append([]byte{}, nfgen...), table...), attr(2, []byte("uciknock_wan_in4\x00"))...))
	f.Add(uint16(subsysNFTables<<8|msgDelSetElem), append(append(append(append([]byte{}, nfgen...), table...), attr(2, []byte("uciknock_wan_in4\x00"))...), elems...))
	f.Add(uint16(subsysNFTables<<8|msgNewGen), []byte{0, 0, 0, 0})
	f.Add(uint16(0), []byte{})
	f.Fuzz(func(t *testing.T, typ uint16, data []byte) {
		c, err := parseEvent(typ, data)
		if err != nil {
			return
		}
		if (c.lost || c.newSet != "") && !c.touch {
			t.Fatal("lost without touching our table")
		}
		if c.set != "" && !isOurs(c.set) {
			t.Fatalf("element change of a set not ours: %q", c.set)
		}
	})
}

// FuzzElements: any normalised door gives elements whose keys read back
// as its source, protocol and port, and never a wider match.
func FuzzElements(f *testing.F) {
	f.Add([]byte{192, 0, 2, 7}, uint16(22), "tcp", "wan", false, []byte{192, 168, 1, 10}, uint16(80))
	f.Add(netip.MustParseAddr("2001:db8::7").AsSlice(), uint16(443), "tcp udp", "wan", true, netip.MustParseAddr("2001:db8:1::10").AsSlice(), uint16(0))
	f.Fuzz(func(t *testing.T, src []byte, port uint16, proto, zone string, redirect bool, dst []byte, dport uint16) {
		a, ok := netip.AddrFromSlice(src)
		if !ok {
			return
		}
		b, _ := netip.AddrFromSlice(dst)
		d := door.Door{Kind: door.Rule, Prefix: "K", Src: a, Port: port, Proto: proto, SrcZone: zone, DestIP: b, DestPort: dport}
		if redirect {
			d.Kind = door.Redirect
		}
		d, err := d.Normalize()
		if err != nil {
			return
		}
		elems, err := Elements(d)
		if err != nil {
			return
		}
		for _, e := range elems {
			z, ok := zoneOf(e.Set)
			if !ok || z != d.SrcZone {
				t.Fatalf("set %q not of zone %q", e.Set, d.SrcZone)
			}
			if strings.Contains(e.Set, "_"+kindFwd) {
				fa, _, fp, ok := parseKey(append(append([]byte{}, e.Key[:len(e.Key)-len(d.DestIP.AsSlice())-4]...), e.Key[len(e.Key)-4:]...))
				if !ok || fa != d.Src || fp != d.DestPort {
					t.Fatalf("forward key %x is not %s . proto . %s . %d", e.Key, d.Src, d.DestIP, d.DestPort)
				}
				continue
			}
			ka, kp, kport, ok := parseKey(e.Key)
			if !ok || ka != d.Src || kport != d.Port || (kp != 6 && kp != 17) {
				t.Fatalf("key %x does not read back as %s/%d (%v %d %d)", e.Key, d.Src, d.Port, ka, kp, kport)
			}
		}
		if len(shutElems(d, elems)) == 0 {
			t.Fatal("a door without shut elements could not be refused at close")
		}
	})
}

// FuzzNFTAnswers: whatever the kernel (or a corrupted buffer) answers —
// dump parts (sets, elements, rules with any expressions), acks and
// errors — the readers never panic, keep within the datagram and never
// count an answer twice.
func FuzzNFTAnswers(f *testing.F) {
	frame := func(typ uint16, seq uint32, body []byte) []byte {
		return nfnl.AppendMsg(nil, typ, 0x2, seq, body[0], binary.BigEndian.Uint16(body[2:]), body[nfnl.GenLen:])
	}
	load := &expr.Meta{Key: expr.MetaKeyIIFNAME, Register: 1}
	rule := libRule(f, load, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: iif("eth1")},
		&expr.Verdict{Kind: expr.VerdictJump, Chain: "input_wan"})
	set := libRule(f, load, &expr.Lookup{SourceRegister: 1, SetName: "__set0"}, &expr.Counter{},
		&expr.Verdict{Kind: expr.VerdictJump, Chain: "input_wan"})
	els := testDoors(f)
	msgs := libCapture(f, func(c *nftables.Conn) error {
		return c.SetAddElements(libSet(els[2].Set, true), []nftables.SetElement{{Key: els[2].Key, Val: els[2].Val, Timeout: time.Hour}})
	})
	f.Add(append(frame(subsysNFTables<<8|6, 5, rule), frame(subsysNFTables<<8|6, 5, set)...))
	f.Add(frame(subsysNFTables<<8|msgNewSetElem, 5, msgs[1].Data))
	f.Add(append(ack(1, 0), ack(2, syscall.ENOENT)...))
	f.Add(append(ack(0, syscall.EPERM), ack(1, 0)...))
	f.Add(append(frame(subsysNFTables<<8|msgNewSetElem, 5, msgs[1].Data), ack(3, syscall.EEXIST)...))
	f.Fuzz(func(t *testing.T, dgram []byte) {
		_ = nfnl.WalkMsgs(dgram, func(m nfnl.Msg) error {
			if name, err := setName(m.Body); err == nil && strings.ContainsRune(name, 0) {
				t.Fatalf("set name with a NUL: %q", name)
			}
			keys, _ := setElemKeys(m.Body)
			for _, k := range keys {
				if len(k) == 0 || len(k) > len(m.Body) {
					t.Fatalf("key of %d bytes out of a body of %d", len(k), len(m.Body))
				}
			}
			_, names, _, _ := ruleDevices(m.Body, "input_wan")
			for _, n := range names {
				if n == "" || len(n) > ifnameLen || strings.ContainsRune(n, 0) {
					t.Fatalf("device name %q", n)
				}
			}
			return nil
		})
		b := applyBatch(0, els[:1], els[1:3], time.Minute)
		a := newAcks(b)
		_ = a.read(dgram, func(e int32) error { return syscall.Errno(e) })
		_ = a.read(dgram, func(e int32) error { return syscall.Errno(e) }) // the same answers again
		if len(a.errs) > len(b.what)+1 {
			t.Fatalf("%d errors for %d messages", len(a.errs), len(b.what))
		}
		if a.last && !a.seen[len(b.what)-1] {
			t.Fatal("done before the last message was answered")
		}
		if a.err() == nil && a.whole {
			t.Fatal("the batch failed without an error")
		}
	})
}
