//go:build linux

package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Layout of a TPACKET_V3 block and frame (linux/if_packet.h). The fields
// are in host byte order, except sll_protocol (network order).
const (
	blockStatusOff   = 8  // tpacket_block_desc.hdr.bh1.block_status
	blockNumPktsOff  = 12 // .num_pkts
	blockFirstPktOff = 16 // .offset_to_first_pkt
	frameHeaderLen   = 48 // TPACKET_ALIGN(sizeof(struct tpacket3_hdr)): sockaddr_ll follows
	sockaddrLLLen    = 20
	// frameSize only matters to the kernel's geometry check: TPACKET_V3
	// packs variable-size frames into each block.
	frameSize = 2048
)

// ring is a TPACKET_V3 receive ring mapped into our memory. The kernel
// fills blocks and hands each over by setting TP_STATUS_USER in its
// header, when the block is full or its timeout expired; we hand it back
// with TP_STATUS_KERNEL. Blocks are used in order, so only the current
// one needs watching.
type ring struct {
	mem       []byte
	blockSize int
	blocks    int
	cur       int
}

// newRing switches the socket to TPACKET_V3 and maps its receive ring.
func newRing(rc syscall.RawConn, o *options) (*ring, error) {
	if o.blockSize <= 0 || o.blockSize%os.Getpagesize() != 0 || o.blockSize%frameSize != 0 || o.blocks <= 0 {
		return nil, fmt.Errorf("capture: ring of %d blocks of %d bytes: block size must be a positive multiple of the page size", o.blocks, o.blockSize)
	}
	r := &ring{blockSize: o.blockSize, blocks: o.blocks}
	var serr error
	err := rc.Control(func(fd uintptr) {
		if err := unix.SetsockoptInt(int(fd), unix.SOL_PACKET, unix.PACKET_VERSION, unix.TPACKET_V3); err != nil {
			serr = fmt.Errorf("capture: setsockopt PACKET_VERSION TPACKET_V3: %w", err)
			return
		}
		req := unix.TpacketReq3{
			Block_size:     uint32(o.blockSize),
			Block_nr:       uint32(o.blocks),
			Frame_size:     frameSize,
			Frame_nr:       uint32(o.blocks * (o.blockSize / frameSize)),
			Retire_blk_tov: uint32(max(o.blockTimeout.Milliseconds(), 1)),
		}
		if err := unix.SetsockoptTpacketReq3(int(fd), unix.SOL_PACKET, unix.PACKET_RX_RING, &req); err != nil {
			serr = fmt.Errorf("capture: setsockopt PACKET_RX_RING (%d×%d bytes): %w", o.blocks, o.blockSize, err)
			return
		}
		mem, err := unix.Mmap(int(fd), 0, o.blockSize*o.blocks, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
		if err != nil {
			// Without the mapping nobody could read the ring: remove it,
			// so the recvfrom fallback gets the packets.
			_ = unix.SetsockoptTpacketReq3(int(fd), unix.SOL_PACKET, unix.PACKET_RX_RING, &unix.TpacketReq3{})
			serr = fmt.Errorf("capture: mmap ring: %w", err)
			return
		}
		r.mem = mem
	})
	if err != nil {
		return nil, fmt.Errorf("capture: ring setup: %w", err)
	}
	return r, serr
}

func (r *ring) status() *uint32 {
	return (*uint32)(unsafe.Pointer(&r.mem[r.cur*r.blockSize+blockStatusOff]))
}

// ready reports whether the kernel has handed the current block over.
func (r *ring) ready() bool { return atomic.LoadUint32(r.status())&unix.TP_STATUS_USER != 0 }

// consume feeds every frame of the current block to rd, returns the block
// to the kernel and moves to the next. Offsets come from the kernel but
// are checked anyway: a bad one ends the block, never a read outside it.
func (r *ring) consume(rd *reader) {
	blk := r.mem[r.cur*r.blockSize : (r.cur+1)*r.blockSize]
	ne := binary.NativeEndian
	n := ne.Uint32(blk[blockNumPktsOff:])
	off := int(ne.Uint32(blk[blockFirstPktOff:]))
	for i := uint32(0); i < n; i++ {
		if off <= 0 || off+frameHeaderLen+sockaddrLLLen > len(blk) {
			break
		}
		h := blk[off:]
		next := int(ne.Uint32(h[0:]))
		ts := time.Unix(int64(ne.Uint32(h[4:])), int64(ne.Uint32(h[8:])))
		snap := int(ne.Uint32(h[12:]))
		netOff := int(ne.Uint16(h[26:]))
		sll := h[frameHeaderLen:]
		if snap >= 0 && netOff+snap <= len(h) { // snap < 0: a huge value on 32-bit
			rd.packet(h[netOff:netOff+snap], binary.BigEndian.Uint16(sll[2:]), sll[10], int32(ne.Uint32(sll[4:])), ts)
		}
		if next <= 0 {
			break
		}
		off += next
	}
	atomic.StoreUint32(r.status(), unix.TP_STATUS_KERNEL)
	r.cur = (r.cur + 1) % r.blocks
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
// fallback when there is no ring, and the packets queued between bind and
// the ring's setup. It allocates one sockaddr per packet (x/sys/unix).
// It returns how many packets it read, after max packets or when the
// queue is empty.
func (rd *reader) recvQueue(fd uintptr, max int) (int, error) {
	for i := 0; i < max; i++ {
		n, from, err := unix.Recvfrom(int(fd), rd.buf, unix.MSG_DONTWAIT)
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
