//go:build unix

package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"

	"golang.org/x/sys/unix"
)

// SystemTransport sends knocks the way knock does, without privileges:
//
//   - TCP: a non-blocking socket, connect(), close(). The kernel sends
//     exactly one SYN; closing before the answer means no handshake
//     follows and nothing is retransmitted.
//   - UDP: sendto() of one NUL byte.
//
// Each knock uses a fresh socket, so each has a new ephemeral source port.
type SystemTransport struct{}

// Knock sends one knock to dst.
func (SystemTransport) Knock(_ context.Context, proto Proto, dst netip.AddrPort) error {
	sa, family, err := sockaddr(dst)
	if err != nil {
		return err
	}
	typ := unix.SOCK_STREAM
	if proto == UDP {
		typ = unix.SOCK_DGRAM
	}
	fd, err := unix.Socket(family, typ, 0)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	defer unix.Close(fd)
	unix.CloseOnExec(fd)
	if err := unix.SetNonblock(fd, true); err != nil {
		return fmt.Errorf("set non-blocking: %w", err)
	}
	if proto == UDP {
		if err := unix.Sendto(fd, []byte{0}, 0, sa); err != nil {
			return fmt.Errorf("sendto: %w", err)
		}
		return nil
	}
	err = unix.Connect(fd, sa)
	switch {
	case err == nil, errors.Is(err, unix.EINPROGRESS), errors.Is(err, unix.ECONNREFUSED):
		// The SYN left. EINPROGRESS is the normal answer of a non-blocking
		// connect; on loopback the answer can be immediate (accepted or
		// refused), which is fine for a knock.
		return nil
	default:
		return fmt.Errorf("connect: %w", err)
	}
}

// sockaddr converts dst, resolving an IPv6 zone name to its index.
func sockaddr(dst netip.AddrPort) (unix.Sockaddr, int, error) {
	a := dst.Addr()
	if a.Is4() {
		return &unix.SockaddrInet4{Port: int(dst.Port()), Addr: a.As4()}, unix.AF_INET, nil
	}
	sa := &unix.SockaddrInet6{Port: int(dst.Port()), Addr: a.As16()}
	if z := a.Zone(); z != "" {
		id, err := zoneIndex(z)
		if err != nil {
			return nil, 0, err
		}
		sa.ZoneId = id
	}
	return sa, unix.AF_INET6, nil
}

func zoneIndex(z string) (uint32, error) {
	if n, err := strconv.ParseUint(z, 10, 32); err == nil {
		return uint32(n), nil
	}
	ifi, err := net.InterfaceByName(z)
	if err != nil {
		return 0, fmt.Errorf("IPv6 zone %q: %w", z, err)
	}
	return uint32(ifi.Index), nil
}
