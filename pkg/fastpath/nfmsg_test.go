package fastpath

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/mdlayher/netlink"

	"github.com/uciknock/uciknock/internal/nfnl"
	"github.com/uciknock/uciknock/internal/nlattr"
	"github.com/uciknock/uciknock/pkg/door"
)

// The codec is checked against github.com/google/nftables, which the
// fast path used before it spoke nf_tables itself (the library stays a
// test-only dependency): the library's messages for the same calls are
// captured through its test dial hook and compared attribute for
// attribute. These tests run on big-endian mips too (make mips-test):
// the library and the codec must agree on byte order there as well.

// libCapture runs calls on a google/nftables Conn whose netlink socket
// is a recorder that acks every message, and returns the messages of
// the batch it flushed.
func libCapture(t testing.TB, calls func(c *nftables.Conn) error) []netlink.Message {
	t.Helper()
	var sent []netlink.Message
	c, err := nftables.New(nftables.WithTestDial(func(req []netlink.Message) ([]netlink.Message, error) {
		if req != nil {
			sent = append(sent, req...)
			return nil, nil
		}
		return []netlink.Message{{Header: netlink.Header{Type: netlink.Error}, Data: make([]byte, 4)}}, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	if err := calls(c); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	return sent
}

// canon is a message body (nfgenmsg, attributes) as a sorted list of
// leaf attributes by path: what the kernel reads (nla_parse takes
// attributes in any order; a list's elements are walked whatever their
// type). The library numbers list elements 1, 2, …, and sends
// NFTA_SET_ELEM_LIST_SET_ID 0 (no set of this transaction): both mean
// nothing to the kernel here and are normalised away.
func canon(t *testing.T, typ uint16, body []byte) []string {
	t.Helper()
	if len(body) < nfnl.GenLen {
		t.Fatalf("body of %d bytes", len(body))
	}
	out := []string{"nfgen=" + hex.EncodeToString(body[:nfnl.GenLen])}
	var walk func(b []byte, path string, list bool) error
	walk = func(b []byte, path string, list bool) error {
		return nlattr.Walk(b, func(at uint16, data []byte) error {
			// Walk masks the flags: read NLA_F_NESTED from the header.
			raw := binary.NativeEndian.Uint16(b[2:])
			b = b[min((4+len(data)+3)&^3, len(b)):]
			if list {
				at = attrListElem
			}
			p := fmt.Sprintf("%s/%d", path, at)
			elems := typ&0xff == msgNewSetElem || typ&0xff == msgDelSetElem
			if raw&nlattr.Nested != 0 {
				return walk(data, p+"n", elems && p == "/3")
			}
			if p == "/4" && elems && string(data) == "\x00\x00\x00\x00" {
				return nil // NFTA_SET_ELEM_LIST_SET_ID 0
			}
			out = append(out, p+"="+hex.EncodeToString(data))
			return nil
		})
	}
	if err := walk(body[nfnl.GenLen:], "", false); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// compareBatch checks our batch datagram against the library's messages.
func compareBatch(t *testing.T, ours []byte, lib []netlink.Message) {
	t.Helper()
	var got []nfnl.Msg
	if err := nfnl.WalkMsgs(ours, func(m nfnl.Msg) error { got = append(got, m); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(lib) {
		t.Fatalf("%d messages, the library sends %d", len(got), len(lib))
	}
	for i, m := range got {
		l := lib[i]
		if uint16(l.Header.Type) != m.Type {
			t.Errorf("message %d: type %#x, library %#x", i, m.Type, uint16(l.Header.Type))
		}
		lf, mf := uint16(l.Header.Flags), m.Flags
		if m.Type == subsysNFTables<<8|msgDelSetElem {
			// The library sets NLM_F_CREATE on deletions too; the
			// kernel does not look at it there.
			lf &^= nfnl.Create
		}
		if i != len(got)-2 {
			// The library asks for an ack of every message; we ask
			// for the last one's (see batch).
			lf &^= nfnl.Ack
		}
		if lf != mf {
			t.Errorf("message %d (type %#x): flags %#x, library %#x", i, m.Type, mf, lf)
		}
		if i > 0 && m.Seq != got[i-1].Seq+1 {
			t.Errorf("message %d: seq %d after %d", i, m.Seq, got[i-1].Seq)
		}
		if a, b := strings.Join(canon(t, m.Type, m.Body), "\n"), strings.Join(canon(t, m.Type, l.Data), "\n"); a != b {
			t.Errorf("message %d (type %#x):\n ours:\n%s\n library:\n%s", i, m.Type, a, b)
		}
	}
}

func libSet(name string, isMap bool) *nftables.Set {
	return &nftables.Set{Table: &nftables.Table{Name: Table, Family: nftables.TableFamilyINet},
		Name: name, IsMap: isMap, HasTimeout: true, Concatenation: true}
}

// libApply is what the fast path did with the library for Apply.
func libApply(c *nftables.Conn, dels, adds []Elem, timeout time.Duration) error {
	for _, e := range dels {
		if err := c.SetDeleteElements(libSet(e.Set, e.Val != nil), []nftables.SetElement{{Key: e.Key}}); err != nil {
			return err
		}
	}
	for _, e := range adds {
		el := nftables.SetElement{Key: e.Key, Val: e.Val, Timeout: timeout}
		if err := c.SetAddElements(libSet(e.Set, e.Val != nil), []nftables.SetElement{el}); err != nil {
			return err
		}
	}
	return nil
}

func testDoors(t testing.TB) []Elem {
	t.Helper()
	var out []Elem
	for _, d := range []door.Door{
		{Kind: door.Rule, Prefix: "A", Src: netip.MustParseAddr("192.0.2.7"), Proto: "tcp udp", Port: 22, SrcZone: "wan"},
		{Kind: door.Rule, Prefix: "B", Src: netip.MustParseAddr("2001:db8::7"), Proto: "tcp", Port: 443, SrcZone: "lan"},
		{Kind: door.Redirect, Prefix: "C", Src: netip.MustParseAddr("198.51.100.9"), Proto: "udp", Port: 2222, SrcZone: "wan",
			DestIP: netip.MustParseAddr("192.168.1.10"), DestPort: 22},
		{Kind: door.Redirect, Prefix: "D", Src: netip.MustParseAddr("2001:db8::9"), Proto: "tcp", Port: 8443, SrcZone: "wan",
			DestIP: netip.MustParseAddr("2001:db8:1::10")},
	} {
		els, err := Elements(d)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, els...)
	}
	return out
}

// TestApplyBatchAsLibrary: element batches (deletions, additions with
// and without a timeout, refreshes, map elements) are what
// google/nftables sends for the same elements.
func TestApplyBatchAsLibrary(t *testing.T) {
	els := testDoors(t)
	for _, tc := range []struct {
		name       string
		dels, adds []Elem
		timeout    time.Duration
	}{
		{"add with timeout", nil, els, 90 * time.Minute},
		{"add without timeout", nil, els, 0},
		{"add, odd milliseconds", nil, els[:1], 1234567 * time.Millisecond},
		{"delete", els, nil, 0},
		{"refresh", els[2:4], els[2:4], 10 * time.Minute},
		{"close into shut", els[:1], []Elem{{Set: SetName("wan", kindShut, 4), Key: els[0].Key}}, ShutTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lib := libCapture(t, func(c *nftables.Conn) error { return libApply(c, tc.dels, tc.adds, tc.timeout) })
			compareBatch(t, applyBatch(77, tc.dels, tc.adds, tc.timeout).bytes(), lib)
		})
	}
}

// TestDevicesBatchAsLibrary: flushing a device set and filling it is
// what google/nftables sends for FlushSet and SetAddElements.
func TestDevicesBatchAsLibrary(t *testing.T) {
	for _, devs := range [][]string{{"eth1", "pppoe-wan", "wwan0"}, nil, {"", "much-too-long-name0", "br-lan"}} {
		lib := libCapture(t, func(c *nftables.Conn) error {
			s := &nftables.Set{Table: &nftables.Table{Name: Table, Family: nftables.TableFamilyINet}, Name: DevSetName("wan")}
			c.FlushSet(s)
			var els []nftables.SetElement
			for _, d := range devs {
				if k, ok := ifname(d); ok {
					els = append(els, nftables.SetElement{Key: k})
				}
			}
			if len(els) > 0 {
				return c.SetAddElements(s, els)
			}
			return nil
		})
		compareBatch(t, devicesBatch(1<<31, "wan", devs).bytes(), lib)
	}
}

// TestBatchFraming: the batch's frame, byte for byte: begin and end
// carry res_id NFNL_SUBSYS_NFTABLES big-endian, lengths count the
// header, every message is 4-byte aligned, sequence numbers run on.
func TestBatchFraming(t *testing.T) {
	els := testDoors(t)
	b := applyBatch(0xfffffffe, els[:1], els[:1], time.Second) // sequence numbers wrap
	d := b.bytes()
	var got []nfnl.Msg
	if err := nfnl.WalkMsgs(d, func(m nfnl.Msg) error { got = append(got, m); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got[0].Type != batchBegin || got[3].Type != batchEnd {
		t.Fatalf("frame: %+v", got)
	}
	for i, m := range got {
		if m.Seq != 0xfffffffe+uint32(i) {
			t.Errorf("message %d: seq %#x", i, m.Seq)
		}
	}
	for _, m := range []nfnl.Msg{got[0], got[3]} {
		if string(m.Body) != "\x00\x00\x00\x0a" || m.Flags != nfnl.Request {
			t.Errorf("begin/end %#x: flags %#x body %x", m.Type, m.Flags, m.Body)
		}
	}
	if binary.NativeEndian.Uint32(d) != nfnl.HdrLen+nfnl.GenLen || len(d)%4 != 0 {
		t.Errorf("begin length %d, datagram %d bytes", binary.NativeEndian.Uint32(d), len(d))
	}
	if got[2].Flags != nfnl.Request|nfnl.Ack|nfnl.Create || got[1].Flags != nfnl.Request {
		t.Errorf("flags: delete %#x, add %#x", got[1].Flags, got[2].Flags)
	}
	// The timeout is NFTA_SET_ELEM_TIMEOUT, be64 milliseconds.
	keys, err := setElemKeys(got[2].Body)
	if err != nil || len(keys) != 1 || string(keys[0]) != string(els[0].Key) {
		t.Fatalf("keys of the add: %x, %v", keys, err)
	}
	if !strings.Contains(string(got[2].Body), string(nlattr.Append(nil, attrElemTimeout, []byte{0, 0, 0, 0, 0, 0, 3, 0xe8}))) {
		t.Errorf("no be64 timeout of 1000 ms in %x", got[2].Body)
	}
}

// ack builds the kernel's answer to message seq: NLMSG_ERROR with errno
// (0: an ack) and the request's header.
func ack(seq uint32, errno syscall.Errno) []byte {
	b := binary.NativeEndian.AppendUint32(nil, nfnl.HdrLen+4+nfnl.HdrLen)
	b = binary.NativeEndian.AppendUint16(b, nfnl.MsgError)
	b = binary.NativeEndian.AppendUint16(b, 0x100) // NLM_F_CAPPED
	b = binary.NativeEndian.AppendUint32(b, seq)
	b = binary.NativeEndian.AppendUint32(b, 4242)
	b = binary.NativeEndian.AppendUint32(b, uint32(-int32(errno)))
	return append(b, make([]byte, nfnl.HdrLen)...)
}

// TestAcks: the last message's ack ends a batch; an error names its
// element and wraps the errno; an error for the batch as a whole (a
// failed commit, answered at the begin message) fails it even when its
// last message was acked; stale answers are skipped.
func TestAcks(t *testing.T) {
	els := testDoors(t)
	errno := func(e int32) error { return syscall.Errno(e) }
	b := applyBatch(100, els[:1], els[1:3], time.Minute) // seqs 101, 102, 103
	a := newAcks(b)
	if err := a.read(append(ack(7, syscall.EPERM), ack(102, syscall.ENOENT)...), errno); err != nil || a.done() {
		t.Fatalf("after an error: done %v, %v", a.done(), err)
	}
	if err := a.read(ack(103, 0), errno); err != nil || !a.done() {
		t.Fatalf("after the last ack: done %v, %v", a.done(), err)
	}
	err := a.err()
	if !errors.Is(err, syscall.ENOENT) || !strings.Contains(err.Error(), "add "+els[1].Set) || !strings.Contains(err.Error(), hex.EncodeToString(els[1].Key)) ||
		errors.Is(err, syscall.EPERM) {
		t.Fatalf("error does not name the element and errno: %v", err)
	}
	a = newAcks(b)
	_ = a.read(append(ack(100, syscall.ENOSPC), ack(103, 0)...), errno)
	if !a.done() || !errors.Is(a.err(), syscall.ENOSPC) || !strings.Contains(a.err().Error(), "batch") {
		t.Fatalf("batch error: done %v, %v", a.done(), a.err())
	}
	a = newAcks(b)
	_ = a.read(ack(100, 0), errno) // no error for the begin message: nothing
	if a.done() || a.err() != nil {
		t.Fatalf("an empty answer to the begin message: done %v %v", a.done(), a.err())
	}
	many := applyBatch(0, nil, append(append(append([]Elem{}, els...), els...), els...), 0)
	a = newAcks(many)
	for i := range many.what {
		_ = a.read(ack(uint32(i+1), syscall.EEXIST), errno)
	}
	if !a.done() || len(a.errs) != maxBatchErrors+1 {
		t.Fatalf("%d errors for %d failed messages", len(a.errs), len(many.what))
	}
	if err := a.read(append(binary.NativeEndian.AppendUint32(nil, 200), make([]byte, 12)...), errno); err == nil {
		t.Fatal("a malformed datagram is no error")
	}
}

// libRule is the NEWRULE body the library writes for exprs in fw4's
// input chain: the same attributes a GETRULE dump answers with.
func libRule(t testing.TB, exprs ...expr.Any) []byte {
	t.Helper()
	fw4 := &nftables.Table{Name: Table, Family: nftables.TableFamilyINet}
	msgs := libCapture(t, func(c *nftables.Conn) error {
		c.AddRule(&nftables.Rule{Table: fw4, Chain: &nftables.Chain{Name: "input", Table: fw4}, Exprs: exprs})
		return nil
	})
	return msgs[1].Data
}

func iif(name string) []byte { b, _ := ifname(name); return b }

// TestRuleDevicesReadsLibraryRules: the rules fw4 writes for a zone
// (iifname "eth1" jump input_wan; iifname { … } jump input_wan), as the
// library encodes them, are read back; other matches are not devices.
func TestRuleDevicesReadsLibraryRules(t *testing.T) {
	load := &expr.Meta{Key: expr.MetaKeyIIFNAME, Register: 1}
	jump := func(c string) *expr.Verdict { return &expr.Verdict{Kind: expr.VerdictJump, Chain: c} }
	for _, tc := range []struct {
		name  string
		exprs []expr.Any
		jump  bool
		names []string
		sets  []string
	}{
		{"one device", []expr.Any{load, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: iif("eth1")}, jump("input_wan")}, true, []string{"eth1"}, nil},
		{"a set of devices", []expr.Any{load, &expr.Lookup{SourceRegister: 1, SetName: "__set3"}, &expr.Counter{}, jump("input_wan")}, true, nil, []string{"__set3"}},
		{"other zone", []expr.Any{load, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: iif("br-lan")}, jump("input_lan")}, false, []string{"br-lan"}, nil},
		{"not equal", []expr.Any{load, &expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: iif("eth1")}, jump("input_wan")}, true, nil, nil},
		{"inverted lookup", []expr.Any{load, &expr.Lookup{SourceRegister: 1, SetName: "__set3", Invert: true}, jump("input_wan")}, true, nil, nil},
		{"wildcard", []expr.Any{load, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte("eth")}, jump("input_wan")}, true, nil, nil},
		{"not iifname", []expr.Any{&expr.Meta{Key: expr.MetaKeyOIFNAME, Register: 1}, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: iif("eth1")}, jump("input_wan")}, true, nil, nil},
		{"goto", []expr.Any{load, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: iif("eth1")}, &expr.Verdict{Kind: expr.VerdictGoto, Chain: "input_wan"}}, false, []string{"eth1"}, nil},
		{"payload between", []expr.Any{load, &expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 12, Len: 4},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: iif("eth1")}, jump("input_wan")}, true, nil, nil},
		{"accept", []expr.Any{load, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: iif("lo")}, &expr.Verdict{Kind: expr.VerdictAccept}}, false, []string{"lo"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j, names, sets, err := ruleDevices(libRule(t, tc.exprs...), "input_wan")
			if err != nil || j != tc.jump || fmt.Sprint(names) != fmt.Sprint(tc.names) || fmt.Sprint(sets) != fmt.Sprint(tc.sets) {
				t.Fatalf("ruleDevices = %v %q %q %v, want %v %q %q", j, names, sets, err, tc.jump, tc.names, tc.sets)
			}
		})
	}
}

// TestDumpBodiesReadLibraryMessages: set and element answers, in the
// layout the library writes (NEWSET, NEWSETELEM), read back.
func TestDumpBodiesReadLibraryMessages(t *testing.T) {
	fw4 := &nftables.Table{Name: Table, Family: nftables.TableFamilyINet}
	els := testDoors(t)
	msgs := libCapture(t, func(c *nftables.Conn) error {
		s := &nftables.Set{Table: fw4, Name: "uciknock_wan_in4", KeyType: nftables.MustConcatSetType(nftables.TypeIPAddr, nftables.TypeInetProto, nftables.TypeInetService),
			HasTimeout: true, Concatenation: true}
		if err := c.AddSet(s, nil); err != nil {
			return err
		}
		var se []nftables.SetElement
		for _, e := range els[:2] {
			se = append(se, nftables.SetElement{Key: e.Key, Timeout: time.Hour})
		}
		return c.SetAddElements(s, se)
	})
	if name, err := setName(msgs[1].Data); err != nil || name != "uciknock_wan_in4" {
		t.Fatalf("setName = %q, %v", name, err)
	}
	keys, err := setElemKeys(msgs[2].Data)
	if err != nil || len(keys) != 2 || string(keys[0]) != string(els[0].Key) || string(keys[1]) != string(els[1].Key) {
		t.Fatalf("setElemKeys = %x, %v", keys, err)
	}
	other := append([]byte{2}, msgs[1].Data[1:]...) // family ip: not ours
	if name, err := setName(other); name != "" || err != nil {
		t.Fatalf("a set of family ip read as %q %v", name, err)
	}
}
