package nfnl

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// Socket opens a NETLINK_NETFILTER socket in the calling thread's
// network namespace, bound to a port id the kernel picks. flags are
// or-ed into socket(2)'s type (unix.SOCK_NONBLOCK for Go's poller).
func Socket(flags int) (int, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|flags, unix.NETLINK_NETFILTER)
	if err != nil {
		return -1, fmt.Errorf("netlink socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("netlink bind: %w", err)
	}
	return fd, nil
}

// Conn is a blocking NETLINK_NETFILTER socket whose receives wait at
// most a timeout. It is used by one goroutine at a time.
type Conn struct {
	fd      int
	timeout time.Duration
	buf     []byte
}

// Dial opens a Conn whose every receive waits at most timeout.
func Dial(timeout time.Duration) (*Conn, error) {
	fd, err := Socket(0)
	if err != nil {
		return nil, err
	}
	tv := unix.NsecToTimeval(timeout.Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("netlink receive timeout: %w", err)
	}
	return &Conn{fd: fd, timeout: timeout, buf: make([]byte, 1<<16)}, nil
}

// FD is the socket, for options a caller sets itself.
func (c *Conn) FD() int { return c.fd }

// Close closes the socket.
func (c *Conn) Close() error { return unix.Close(c.fd) }

// Send sends one datagram to the kernel.
func (c *Conn) Send(b []byte) error {
	if err := unix.Sendto(c.fd, b, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink send: %w", err)
	}
	return nil
}

// Recv reads one datagram into the Conn's buffer (valid until the next
// Recv). dontwait returns (nil, nil) when none is queued; otherwise an
// empty queue past the timeout is an error. A datagram larger than the
// buffer is an error, never a silently cut one. Errors wrap the errno
// (errors.Is finds unix.ENOBUFS: the kernel dropped answers).
func (c *Conn) Recv(dontwait bool) ([]byte, error) {
	flags := unix.MSG_TRUNC
	if dontwait {
		flags |= unix.MSG_DONTWAIT
	}
	for {
		n, _, err := unix.Recvfrom(c.fd, c.buf, flags)
		switch {
		case errors.Is(err, unix.EINTR):
			// With SO_RCVTIMEO set the kernel does not restart a receive
			// a signal interrupted (signal(7)), and Go's runtime signals
			// its threads to preempt goroutines.
			continue
		case errors.Is(err, unix.EAGAIN) && dontwait:
			return nil, nil
		case errors.Is(err, unix.EAGAIN):
			return nil, fmt.Errorf("no answer from the kernel within %v", c.timeout)
		case err != nil:
			return nil, fmt.Errorf("netlink receive: %w", err)
		case n > len(c.buf):
			return nil, fmt.Errorf("netlink message of %d bytes truncated", n)
		}
		return c.buf[:n], nil
	}
}
