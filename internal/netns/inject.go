//go:build linux

package netns

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Injector writes hand-made IP packets onto an interface of a namespace
// below the IP stack (a cooked AF_PACKET socket), so a test can send what
// no socket API would: spoofed sources, fragments, odd headers. The kernel
// adds the link-layer header for the interface.
type Injector struct {
	fd       int
	sa4, sa6 unix.RawSockaddrLinklayer // prepared, so Send does not allocate
}

// Injector opens an injector on ifname inside the namespace. dst is the
// link-layer destination (the peer's MAC on Ethernet; nil on devices
// without link-layer addresses such as tun). It is closed when the test
// ends.
func (ns *NS) Injector(ifname string, dst net.HardwareAddr) *Injector {
	ns.t.Helper()
	var in *Injector
	err := ns.Do(func() error {
		var err error
		in, err = NewInjector(ifname, dst)
		return err
	})
	if err != nil {
		ns.t.Fatalf("netns %s: %v", ns.Name, err)
	}
	ns.t.Cleanup(func() { in.Close() })
	return in
}

// NewInjector opens an injector on ifname in the calling thread's
// namespace: for a helper process already started inside one (`ip netns
// exec`). The caller closes it.
func NewInjector(ifname string, dst net.HardwareAddr) (*Injector, error) {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, fmt.Errorf("injector: %w", err)
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("injector on %s: AF_PACKET socket: %w", ifname, err)
	}
	in := &Injector{fd: fd}
	for _, x := range []struct {
		sa    *unix.RawSockaddrLinklayer
		proto uint16
	}{{&in.sa4, unix.ETH_P_IP}, {&in.sa6, unix.ETH_P_IPV6}} {
		x.sa.Family = unix.AF_PACKET
		x.sa.Protocol = htons(x.proto)
		x.sa.Ifindex = int32(ifi.Index)
		x.sa.Halen = uint8(len(dst))
		copy(x.sa.Addr[:], dst)
	}
	return in, nil
}

// Close closes the injector's socket.
func (in *Injector) Close() error { return unix.Close(in.fd) }

// MAC returns an interface's hardware address inside the namespace.
func (ns *NS) MAC(ifname string) net.HardwareAddr {
	ns.t.Helper()
	var mac net.HardwareAddr
	err := ns.Do(func() error {
		ifi, err := net.InterfaceByName(ifname)
		if err == nil {
			mac = ifi.HardwareAddr
		}
		return err
	})
	if err != nil {
		ns.t.Fatalf("netns %s: %v", ns.Name, err)
	}
	return mac
}

// Send writes one IPv4 or IPv6 packet (the version nibble picks the
// ethertype). ENOBUFS (a full device queue) is returned like any error.
// It does not allocate: sendto(2) with the prepared link-layer address,
// so a flood is paced by the kernel, not the garbage collector.
func (in *Injector) Send(pkt []byte) error {
	if len(pkt) == 0 {
		return errors.New("netns: empty packet")
	}
	sa := &in.sa4
	if pkt[0]>>4 == 6 {
		sa = &in.sa6
	}
	_, _, e := unix.Syscall6(unix.SYS_SENDTO, uintptr(in.fd), uintptr(unsafe.Pointer(&pkt[0])), uintptr(len(pkt)), 0,
		uintptr(unsafe.Pointer(sa)), unix.SizeofSockaddrLinklayer)
	if e != 0 {
		return e
	}
	return nil
}

// Flood sends up to count packets made by gen(i), paced at pps packets
// per second (0: as fast as possible), for at most max; it returns how
// many the kernel accepted. Packets refused with ENOBUFS are skipped.
func (in *Injector) Flood(count, pps int, max time.Duration, gen func(i int) []byte) (int, error) {
	start := time.Now()
	sent := 0
	for i := 0; i < count; i++ {
		elapsed := time.Since(start)
		if elapsed > max {
			break
		}
		if pps > 0 && i >= int(elapsed.Seconds()*float64(pps)) {
			// Ahead of schedule: sleep briefly, then go on where we are.
			time.Sleep(200 * time.Microsecond)
			i--
			continue
		}
		err := in.Send(gen(i))
		if errors.Is(err, unix.ENOBUFS) {
			continue
		}
		if err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}

// htons gives the value whose in-memory bytes are v in network order, as
// sockaddr_ll's protocol field wants.
func htons(v uint16) uint16 {
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], v)
	return binary.NativeEndian.Uint16(b[:])
}
