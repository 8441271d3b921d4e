//go:build linux

package capture

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/uciknock/uciknock/pkg/knock"
	"golang.org/x/sys/unix"
)

// block builds a TPACKET_V3 block in memory as the kernel lays it out,
// holding the given cooked packets (frame header, sockaddr_ll, data).
func block(size int, pkts ...[]byte) []byte {
	ne := binary.NativeEndian
	b := make([]byte, size)
	ne.PutUint32(b[blockStatusOff:], unix.TP_STATUS_USER)
	ne.PutUint32(b[blockNumPktsOff:], uint32(len(pkts)))
	off := 48
	ne.PutUint32(b[blockFirstPktOff:], uint32(off))
	for i, p := range pkts {
		h := b[off:]
		const netOff = 96
		next := (netOff + len(p) + 15) &^ 15
		if i < len(pkts)-1 {
			ne.PutUint32(h[0:], uint32(next))
		}
		ne.PutUint32(h[4:], 1764118923) // seconds
		ne.PutUint32(h[12:], uint32(len(p)))
		ne.PutUint16(h[26:], netOff)
		sll := h[frameHeaderLen:]
		binary.BigEndian.PutUint16(sll[2:], uint16(ethertype(p)))
		ne.PutUint32(sll[4:], 2) // ifindex
		copy(h[netOff:], p)
		off += next
	}
	return b
}

func TestRingConsume(t *testing.T) {
	var got []knock.Knock
	l := &Listener{}
	rd := &reader{l: l, fn: func(k knock.Knock) { got = append(got, k) }, local: []netip.Addr{dst4, dst6}}
	p4, p6 := tcp4(7000).Marshal()[:34], udp6(9000).Marshal()[:54]
	r := &ring{mem: append(block(4096, p4, p6), block(4096, p4)...), blockSize: 4096, blocks: 2}
	for i := 0; i < 2; i++ {
		if !r.ready() {
			t.Fatalf("block %d not ready", i)
		}
		r.consume(rd)
	}
	if r.ready() || r.cur != 0 {
		t.Errorf("after two blocks: ready %v, cur %d; want the first block back to the kernel", r.ready(), r.cur)
	}
	if len(got) != 3 || got[0].Port != 7000 || got[1].Port != 9000 || got[1].Src != src6 || got[2].Port != 7000 {
		t.Errorf("knocks %+v", got)
	}
	if got[0].Time.Unix() != 1764118923 {
		t.Errorf("time %v, want the frame's timestamp", got[0].Time)
	}
}

// TestRingConsumeCorrupt: offsets out of the block end the block; they
// never make consume read outside it.
func TestRingConsumeCorrupt(t *testing.T) {
	ne := binary.NativeEndian
	p4 := tcp4(7000).Marshal()[:34]
	for _, tt := range []struct {
		name string
		edit func(b []byte)
	}{
		{"first offset past the end", func(b []byte) { ne.PutUint32(b[blockFirstPktOff:], 1<<30) }},
		{"next offset past the end", func(b []byte) { ne.PutUint32(b[blockNumPktsOff:], 5); ne.PutUint32(b[48:], 4000) }},
		{"snap length past the end", func(b []byte) { ne.PutUint32(b[48+12:], 1<<20) }},
		{"snap length negative as a 32-bit int", func(b []byte) { ne.PutUint32(b[48+12:], 0xffffffff) }},
		{"offsets negative as 32-bit ints", func(b []byte) { ne.PutUint32(b[blockFirstPktOff:], 0xfffffff0) }},
		{"data offset past the end", func(b []byte) { ne.PutUint16(b[48+26:], 0xffff) }},
		{"huge packet count", func(b []byte) { ne.PutUint32(b[blockNumPktsOff:], 1<<31) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := block(4096, p4)
			tt.edit(b)
			rd := &reader{l: &Listener{}, fn: func(knock.Knock) {}, local: []netip.Addr{dst4}}
			r := &ring{mem: b, blockSize: 4096, blocks: 1}
			r.consume(rd)
			if r.ready() {
				t.Error("block not handed back")
			}
		})
	}
}

// FuzzRingBlock feeds arbitrary block contents to the ring parser: it
// must never read outside the block nor panic, and must always hand the
// block back.
func FuzzRingBlock(f *testing.F) {
	f.Add(block(4096, tcp4(7000).Marshal()[:34], udp6(9000).Marshal()[:54])[:512])
	f.Add(block(4096, tcp4(7000).Marshal()[:34])[:200])
	f.Fuzz(func(t *testing.T, head []byte) {
		b := make([]byte, 4096)
		copy(b, head)
		binary.NativeEndian.PutUint32(b[blockStatusOff:], unix.TP_STATUS_USER)
		l := &Listener{o: defaultOptions()}
		l.o.enter = func(func() error) error { return errTest } // no address refresh
		rd := &reader{l: l, fn: func(knock.Knock) {}, local: []netip.Addr{dst4, dst6}}
		r := &ring{mem: b, blockSize: 4096, blocks: 1}
		r.consume(rd)
		if r.ready() {
			t.Fatal("block not handed back")
		}
	})
}
