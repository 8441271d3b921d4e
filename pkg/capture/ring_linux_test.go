//go:build linux

package capture

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/uciknock/uciknock/pkg/knock"
	"golang.org/x/sys/unix"
)

// testRing returns a ring of blocks 4 KiB blocks in ordinary memory, laid
// out as the kernel lays out a TPACKET_V2 ring (28 frames per block).
func testRing(blocks int) *ring {
	const page = 4096
	return &ring{mem: make([]byte, blocks*page), blockSize: page, framesPerBlock: page / FrameSize, frames: blocks * (page / FrameSize)}
}

// put fills frame i with a cooked packet as the kernel does and hands
// it to user space.
func (r *ring) put(i int, p []byte) {
	ne := binary.NativeEndian
	h := r.frame(i)
	clear(h)
	ne.PutUint32(h[frameLenOff:], uint32(len(p)))
	ne.PutUint32(h[frameSnapOff:], uint32(len(p)))
	ne.PutUint16(h[frameNetOff-2:], frameDataOffset) // tp_mac: cooked, the same
	ne.PutUint16(h[frameNetOff:], frameDataOffset)
	ne.PutUint32(h[frameSecOff:], 1764118923)
	sll := h[frameHeaderLen:]
	binary.BigEndian.PutUint16(sll[2:], ethertype(p))
	ne.PutUint32(sll[4:], 2) // ifindex
	copy(h[frameDataOffset:], p)
	ne.PutUint32(h[frameStatusOff:], unix.TP_STATUS_USER)
}

func testReader(got *[]knock.Knock) *reader {
	l := &Listener{o: defaultOptions()}
	l.o.enter = func(func() error) error { return errTest } // no address refresh
	return &reader{l: l, fn: func(k knock.Knock) { *got = append(*got, k) }, local: []netip.Addr{dst4, dst6}, buf: make([]byte, queueBufSize)}
}

func TestRingConsume(t *testing.T) {
	var got []knock.Knock
	rd := testReader(&got)
	p4, p6 := tcp4(7000).Marshal()[:34], udp6(9000).Marshal()[:54]
	r := testRing(2)
	if r.frames != 56 {
		t.Fatalf("frames %d, want 28 per 4 KiB block", r.frames)
	}
	r.put(0, p4)
	r.put(1, p6)
	if n := r.consume(rd, -1, 100); n != 2 {
		t.Fatalf("consumed %d frames, want 2", n)
	}
	if r.ready() || r.cur != 2 {
		t.Errorf("after two frames: ready %v, cur %d", r.ready(), r.cur)
	}
	// Across the end of the ring, and in the second block.
	r.cur = 55
	r.put(55, p6)
	r.put(0, p4)
	if n := r.consume(rd, -1, 100); n != 2 || r.cur != 1 {
		t.Errorf("wrap: consumed %d, cur %d; want 2, 1", n, r.cur)
	}
	if len(got) != 4 || got[0].Port != 7000 || got[1].Port != 9000 || got[1].Src != src6 || got[2].Port != 9000 || got[3].Port != 7000 {
		t.Errorf("knocks %+v", got)
	}
	if got[0].Time.Unix() != 1764118923 {
		t.Errorf("time %v, want the frame's timestamp", got[0].Time)
	}
	for i := 0; i < r.frames; i++ {
		if binary.NativeEndian.Uint32(r.frame(i)) != unix.TP_STATUS_KERNEL {
			t.Fatalf("frame %d not handed back", i)
		}
	}
}

// TestRingConsumeMax: consume stops after max frames and leaves the rest
// for the next call.
func TestRingConsumeMax(t *testing.T) {
	var got []knock.Knock
	rd := testReader(&got)
	r := testRing(1)
	for i := 0; i < 5; i++ {
		r.put(i, tcp4(7000).Marshal()[:34])
	}
	if n := r.consume(rd, -1, 3); n != 3 || !r.ready() {
		t.Fatalf("consumed %d (want 3), ready %v (want true)", n, r.ready())
	}
	if n := r.consume(rd, -1, 3); n != 2 || r.ready() {
		t.Fatalf("consumed %d (want 2), ready %v (want false)", n, r.ready())
	}
	if len(got) != 5 {
		t.Errorf("%d knocks, want 5", len(got))
	}
}

// TestRingConsumeCorrupt: offsets out of the frame skip it (counted as
// malformed); they never make consume read outside it.
func TestRingConsumeCorrupt(t *testing.T) {
	ne := binary.NativeEndian
	for _, tt := range []struct {
		name string
		edit func(h []byte)
	}{
		{"snap length past the end", func(h []byte) { ne.PutUint32(h[frameSnapOff:], 1<<20) }},
		{"snap length negative as a 32-bit int", func(h []byte) { ne.PutUint32(h[frameSnapOff:], 0xffffffff) }},
		{"data offset past the end", func(h []byte) { ne.PutUint16(h[frameNetOff:], 0xffff) }},
		{"data offset inside the header", func(h []byte) { ne.PutUint16(h[frameNetOff:], 8) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []knock.Knock
			rd := testReader(&got)
			r := testRing(1)
			r.put(0, tcp4(7000).Marshal()[:34])
			tt.edit(r.frame(0))
			if n := r.consume(rd, -1, 10); n != 1 || r.ready() {
				t.Errorf("consumed %d, ready %v: want the frame handed back", n, r.ready())
			}
			if len(got) != 0 || rd.l.malformed.Load() != 1 {
				t.Errorf("knocks %v, malformed %d; want none and 1", got, rd.l.malformed.Load())
			}
		})
	}
}

// TestRingConsumeCopyRead: a frame whose whole packet went to the queue,
// which is empty (read already, or no socket): skipped, not read twice.
func TestRingConsumeCopyRead(t *testing.T) {
	var got []knock.Knock
	rd := testReader(&got)
	r := testRing(1)
	r.put(0, tcp4(7000).Marshal()[:34])
	binary.NativeEndian.PutUint32(r.frame(0), unix.TP_STATUS_USER|unix.TP_STATUS_COPY)
	r.put(1, tcp4(8000).Marshal()[:34])
	if n := r.consume(rd, -1, 10); n != 2 || r.ready() {
		t.Errorf("consumed %d, ready %v: want both frames handed back", n, r.ready())
	}
	if len(got) != 1 || got[0].Port != 8000 || rd.l.malformed.Load() != 0 {
		t.Errorf("knocks %+v, malformed %d; want only the second frame's", got, rd.l.malformed.Load())
	}
}

// FuzzRingFrame feeds arbitrary frame contents to the ring parser: it
// must never read outside the frame nor panic, and must always hand the
// frame back.
func FuzzRingFrame(f *testing.F) {
	r := testRing(1)
	r.put(0, tcp4(7000).Marshal()[:34])
	r.put(1, udp6(9000).Marshal()[:54])
	f.Add(append([]byte(nil), r.frame(0)...))
	f.Add(append([]byte(nil), r.frame(1)...))
	f.Fuzz(func(t *testing.T, frame []byte) {
		var got []knock.Knock
		rd := testReader(&got)
		r := testRing(1)
		copy(r.frame(0), frame)
		binary.NativeEndian.PutUint32(r.frame(0), unix.TP_STATUS_USER)
		if n := r.consume(rd, -1, 10); n != 1 || r.ready() {
			t.Fatalf("consumed %d, ready %v: want the frame handed back", n, r.ready())
		}
	})
}

// TestRingLongHeaderChain: a knock whose headers do not fit a frame (an
// IPv6 destination options header of 64 bytes) is read whole from the
// socket's queue, where the kernel copies it (PACKET_COPY_THRESH).
func TestRingLongHeaderChain(t *testing.T) {
	n := newTestNet(t, "veth")
	c := listen(t, n.srv, "eth0", knockPorts)
	if e := c.event(t, EventOpened); !e.Ring {
		t.Fatalf("EventOpened = %+v, want the ring", e)
	}
	// A knock that fits first: once it is read, Run has drained the new
	// socket's queue, so the next one is read through its frame.
	sendUDP(t, n.cli, srvAddr6, 9000)
	expect(t, c.next(t), cliAddr6, srvAddr6, knock.ProtoUDP, 9000)
	// Destination options: next header (the kernel's), length 7 (8 + 7×8
	// = 64 bytes), one PadN option filling the other 62.
	opts := make([]byte, 64)
	opts[1], opts[2], opts[3] = 7, 1, 60
	err := n.cli.Do(func() error {
		fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		if err := unix.SetsockoptString(fd, unix.IPPROTO_IPV6, unix.IPV6_DSTOPTS, string(opts)); err != nil {
			return err
		}
		return unix.Sendto(fd, []byte("knock"), 0, &unix.SockaddrInet6{Port: 9000, Addr: srvAddr6.As16()})
	})
	if err != nil {
		t.Fatal(err)
	}
	expect(t, c.next(t), cliAddr6, srvAddr6, knock.ProtoUDP, 9000)
	if st := c.l.Stats(); st.Malformed != 0 {
		t.Errorf("stats %+v: want nothing malformed", st)
	}
}
