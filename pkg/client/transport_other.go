//go:build !unix

package client

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// SystemTransport sends knocks with the net package where raw socket calls
// are not available: a TCP dial that is abandoned after a short moment
// (normally one SYN), or a 1-byte UDP datagram.
type SystemTransport struct{}

// Knock sends one knock to dst.
func (SystemTransport) Knock(ctx context.Context, proto Proto, dst netip.AddrPort) error {
	if proto == UDP {
		c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(dst))
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.Write([]byte{0})
		return err
	}
	d := net.Dialer{Timeout: 100 * time.Millisecond}
	c, err := d.DialContext(ctx, "tcp", dst.String())
	if err == nil {
		return c.Close()
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return nil // the SYN left; nobody answered, as expected of a knock port
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return nil // the SYN reached a closed port
	}
	return err
}
