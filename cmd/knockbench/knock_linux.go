package main

import (
	"errors"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

// Knock sends one knock from src to dst:port the way knockd's `knock`
// client does: TCP is a non-blocking connect(2) closed at once (the kernel
// sends exactly one SYN), UDP one 1-byte datagram. src must be an address
// of the calling thread's namespace (call it on a namespace worker).
func Knock(src, dst netip.Addr, port uint16, proto uint8) error {
	if src.Is4() != dst.Is4() {
		return fmt.Errorf("knock %s -> %s: address families differ", src, dst)
	}
	family := unix.AF_INET6
	if src.Is4() {
		family = unix.AF_INET
	}
	typ := unix.SOCK_STREAM
	if proto == UDP {
		typ = unix.SOCK_DGRAM
	}
	fd, err := unix.Socket(family, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("knock %s: socket: %w", src, err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, sockaddr(src, 0)); err != nil {
		return fmt.Errorf("knock from %s: bind: %w", src, err)
	}
	to := sockaddr(dst, port)
	if proto == UDP {
		if err := unix.Sendto(fd, []byte{0}, 0, to); err != nil {
			return fmt.Errorf("knock %s -> %s:%d/udp: %w", src, dst, port, err)
		}
		return nil
	}
	if err := unix.Connect(fd, to); err != nil && !errors.Is(err, unix.EINPROGRESS) {
		return fmt.Errorf("knock %s -> %s:%d/tcp: %w", src, dst, port, err)
	}
	return nil
}

func sockaddr(a netip.Addr, port uint16) unix.Sockaddr {
	if a.Is4() {
		return &unix.SockaddrInet4{Addr: a.As4(), Port: int(port)}
	}
	return &unix.SockaddrInet6{Addr: a.As16(), Port: int(port)}
}
