//go:build linux

package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Layout of a TPACKET_V2 frame (linux/if_packet.h): struct tpacket2_hdr,
// then struct sockaddr_ll at TPACKET_ALIGN(sizeof(tpacket2_hdr)), then the
// packet at tp_net. Fields are in host byte order, except sll_protocol
// (network order).
const (
	frameStatusOff  = 0  // tp_status
	frameLenOff     = 4  // tp_len: the packet's length on the wire
	frameSnapOff    = 8  // tp_snaplen: the bytes in the frame
	frameNetOff     = 14 // tp_net: offset of the network header
	frameSecOff     = 16 // tp_sec
	frameNsecOff    = 20 // tp_nsec
	frameHeaderLen  = 32 // TPACKET_ALIGN(sizeof(struct tpacket2_hdr))
	sockaddrLLLen   = 20
	frameDataOffset = 80 // where a cooked packet starts: TPACKET_ALIGN(32+20) + 16

	// FrameSize is the size of one ring frame: frameDataOffset bytes of
	// header and 64 of packet, enough for an IPv6 header and the 14 bytes
	// of TCP the filter keeps (with 10 to spare for an extension header),
	// or an IPv4 header with up to 32 bytes of options. A longer packet
	// is copied whole to the socket's ordinary queue as well
	// (PACKET_COPY_THRESH) and read from there. 28 frames fill a 4 KiB
	// page: 7,168 packets per MiB of ring.
	FrameSize = 144
)

// ring is a TPACKET_V2 receive ring mapped into our memory: fixed-size
// frames, each handed to us by the kernel with TP_STATUS_USER as soon as
// its packet is in (and the socket woken), and back with
// TP_STATUS_KERNEL. Frames are used in order, so only the current one
// needs watching.
type ring struct {
	mem            []byte
	blockSize      int
	framesPerBlock int
	frames         int
	cur            int
}

// newRing switches the socket to TPACKET_V2 and maps a receive ring of
// o.ringSize bytes: blocks of one page, each holding whole frames.
func newRing(fd int, o *options) (*ring, error) {
	page := os.Getpagesize()
	if o.ringSize < page || o.ringSize%page != 0 {
		return nil, fmt.Errorf("capture: ring of %d bytes: want a positive multiple of the page size (%d)", o.ringSize, page)
	}
	r := &ring{blockSize: page, framesPerBlock: page / FrameSize}
	blocks := o.ringSize / page
	r.frames = blocks * r.framesPerBlock
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VERSION, unix.TPACKET_V2); err != nil {
		return nil, fmt.Errorf("capture: setsockopt PACKET_VERSION TPACKET_V2: %w", err)
	}
	// Packets longer than a frame also go to the ordinary queue, whole;
	// the frame says so with TP_STATUS_COPY.
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_COPY_THRESH, 1); err != nil {
		return nil, fmt.Errorf("capture: setsockopt PACKET_COPY_THRESH: %w", err)
	}
	req := unix.TpacketReq{
		Block_size: uint32(page),
		Block_nr:   uint32(blocks),
		Frame_size: FrameSize,
		Frame_nr:   uint32(r.frames),
	}
	if err := unix.SetsockoptTpacketReq(fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &req); err != nil {
		return nil, fmt.Errorf("capture: setsockopt PACKET_RX_RING (%d frames of %d bytes): %w", r.frames, FrameSize, err)
	}
	mem, err := unix.Mmap(fd, 0, o.ringSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		// Without the mapping nobody could read the ring: remove it, so
		// the recvfrom fallback gets the packets.
		_ = unix.SetsockoptTpacketReq(fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &unix.TpacketReq{})
		return nil, fmt.Errorf("capture: mmap ring: %w", err)
	}
	r.mem = mem
	return r, nil
}

// frame returns frame i of the ring.
func (r *ring) frame(i int) []byte {
	off := (i/r.framesPerBlock)*r.blockSize + (i%r.framesPerBlock)*FrameSize
	return r.mem[off : off+FrameSize]
}

// status is the status word of frame h, shared with the kernel.
func status(h []byte) *uint32 {
	return (*uint32)(unsafe.Pointer(&h[frameStatusOff]))
}

// ready reports whether the kernel has handed the current frame over.
func (r *ring) ready() bool {
	return atomic.LoadUint32(status(r.frame(r.cur)))&unix.TP_STATUS_USER != 0
}

// consume feeds the frames the kernel has handed over to rd, at most max,
// returning each to the kernel, and reports how many it took. A frame
// whose packet did not fit (TP_STATUS_COPY) is read from the ordinary
// queue through fd instead, in its turn; an empty queue means it was
// read already. Offsets come from the kernel but
// are checked anyway: a bad one skips the frame, never a read outside it.
func (r *ring) consume(rd *reader, fd int, max int) int {
	ne := binary.NativeEndian
	n := 0
	for ; n < max; n++ {
		// One frame, one load of its status word: the loop's test and
		// the COPY test read the same value, the store goes through
		// the same pointer.
		h := r.frame(r.cur)
		st := status(h)
		v := atomic.LoadUint32(st)
		if v&unix.TP_STATUS_USER == 0 {
			break
		}
		if v&unix.TP_STATUS_COPY != 0 {
			// The whole packet is on the queue, unless the drain of a
			// new socket's queue (Run) has read it already.
			_, _ = rd.recvQueue(fd, 1)
		} else {
			snap := int(ne.Uint32(h[frameSnapOff:]))
			netOff := int(ne.Uint16(h[frameNetOff:]))
			sll := h[frameHeaderLen : frameHeaderLen+sockaddrLLLen]
			ts := time.Unix(int64(ne.Uint32(h[frameSecOff:])), int64(ne.Uint32(h[frameNsecOff:])))
			if snap >= 0 && netOff >= frameHeaderLen+sockaddrLLLen && netOff+snap <= len(h) { // snap < 0: a huge value on 32-bit
				rd.packet(h[netOff:netOff+snap], binary.BigEndian.Uint16(sll[2:]), sll[10], int32(ne.Uint32(sll[4:])), ts)
			} else {
				rd.l.malformed.Add(1)
			}
		}
		atomic.StoreUint32(st, unix.TP_STATUS_KERNEL)
		r.cur = (r.cur + 1) % r.frames
	}
	return n
}

func (r *ring) close() error {
	if r == nil || r.mem == nil {
		return nil
	}
	err := unix.Munmap(r.mem)
	r.mem = nil
	return err
}

// queueBufSize holds the longest header chain the filter can pass: IPv6
// plus four extension headers of up to 2048 bytes each, plus 14.
const queueBufSize = 40 + MaxIPv6ExtHeaders*2048 + l4Bytes

// recvQueue reads the socket's ordinary receive queue with recvfrom(2): the
// fallback when there is no ring, the packets queued between bind and
// the ring's setup, and the whole copies of packets longer than a ring
// frame. It allocates one sockaddr per packet (x/sys/unix). It returns
// how many packets it read, after max packets or when the queue is empty.
func (rd *reader) recvQueue(fd int, max int) (int, error) {
	for i := 0; i < max; i++ {
		n, from, err := unix.Recvfrom(fd, rd.buf, unix.MSG_DONTWAIT)
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
			return i, nil
		}
		if err != nil {
			return i, err
		}
		sll, ok := from.(*unix.SockaddrLinklayer)
		if !ok {
			continue
		}
		// sll.Protocol holds the raw network-order field read as a host
		// integer; convert it back.
		var p [2]byte
		binary.NativeEndian.PutUint16(p[:], sll.Protocol)
		rd.packet(rd.buf[:min(n, len(rd.buf))], binary.BigEndian.Uint16(p[:]), sll.Pkttype, int32(sll.Ifindex), rd.l.o.now())
	}
	return max, nil
}
