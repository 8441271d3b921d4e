package conntrack

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// recvTimeout bounds every wait for the kernel's answer.
const recvTimeout = 5 * time.Second

// conn is one NETLINK_NETFILTER socket in the calling thread's network
// namespace. It is used by one goroutine at a time.
type conn struct {
	fd  int
	seq uint32
	buf []byte
}

func dial() (*conn, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_NETFILTER)
	if err != nil {
		return nil, fmt.Errorf("conntrack: netlink socket: %w", err)
	}
	tv := unix.NsecToTimeval(recvTimeout.Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("conntrack: netlink receive timeout: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("conntrack: netlink bind: %w", err)
	}
	return &conn{fd: fd, buf: make([]byte, 1<<16)}, nil
}

func (c *conn) close() error { return unix.Close(c.fd) }

// request sends msg (whose seq field is set here) and hands every answer
// message with that seq to fn until the kernel's ack or NLMSG_DONE.
func (c *conn) request(msg []byte, fn func(typ uint16, body []byte) error) error {
	c.seq++
	binary.NativeEndian.PutUint32(msg[8:], c.seq)
	if err := unix.Sendto(c.fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("conntrack: netlink send: %w", err)
	}
	for {
		n, _, err := unix.Recvfrom(c.fd, c.buf, 0)
		if errors.Is(err, unix.EINTR) {
			// With SO_RCVTIMEO set the kernel does not restart a receive
			// a signal interrupted (signal(7)), and Go's runtime signals
			// its threads to preempt goroutines.
			continue
		}
		if err != nil {
			if errors.Is(err, unix.EAGAIN) {
				return fmt.Errorf("conntrack: no answer from the kernel within %v", recvTimeout)
			}
			return fmt.Errorf("conntrack: netlink receive: %w", err)
		}
		done, err := c.walk(c.buf[:n], fn)
		if done || err != nil {
			return err
		}
	}
}

// walk handles one datagram of netlink messages.
func (c *conn) walk(b []byte, fn func(typ uint16, body []byte) error) (done bool, err error) {
	for len(b) >= nlmsgHdrLen {
		l := int(binary.NativeEndian.Uint32(b[0:]))
		typ := binary.NativeEndian.Uint16(b[4:])
		seq := binary.NativeEndian.Uint32(b[8:])
		if l < nlmsgHdrLen || l > len(b) {
			return true, errors.New("conntrack: malformed netlink message")
		}
		body := b[nlmsgHdrLen:l]
		b = b[(l+3)&^3:]
		if seq != c.seq {
			continue // a stale answer to an earlier request
		}
		switch typ {
		case unix.NLMSG_DONE:
			return true, nil
		case unix.NLMSG_ERROR:
			if len(body) < 4 {
				return true, errors.New("conntrack: short netlink error message")
			}
			if errno := -int32(binary.NativeEndian.Uint32(body)); errno != 0 {
				return true, unix.Errno(errno)
			}
			return true, nil // the ack
		default:
			if err := fn(typ, body); err != nil {
				return true, err
			}
		}
	}
	return false, nil
}

// list dumps the entries of an address family that keep accepts (all
// when keep is nil).
func (c *conn) list(fam uint8, keep func(Entry) bool) ([]Entry, error) {
	var out []Entry
	err := c.request(dumpMessage(fam, 0), func(typ uint16, body []byte) error {
		if typ != 1<<8|msgCtNew || len(body) < nfgenLen {
			return nil
		}
		e, ok, err := parseEntry(body[nfgenLen:])
		if err != nil {
			return err
		}
		if ok && (keep == nil || keep(e)) {
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("conntrack: dump: %w", err)
	}
	return out, nil
}

// remove deletes one entry; gone reports it had vanished already.
func (c *conn) remove(e Entry) (gone bool, err error) {
	err = c.request(deleteMessage(e, 0), func(uint16, []byte) error { return nil })
	if errors.Is(err, unix.ENOENT) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("conntrack: delete %v: %w", e, err)
	}
	return false, nil
}

// List returns every conntrack entry of src's address family (IPv4 for
// an IPv4 or IPv4-mapped address, else IPv6) in the calling thread's
// network namespace.
func List(fam netip.Addr) ([]Entry, error) {
	c, err := dial()
	if err != nil {
		return nil, err
	}
	defer c.close()
	return c.list(family(fam.Unmap()), nil)
}

// Kill deletes the conntrack entries whose original direction is from
// src, with protocol proto ("tcp", "udp", or "tcp udp" for both), to
// destination port port, and returns how many it deleted.
func Kill(src netip.Addr, proto string, port uint16) (int, error) {
	protos, err := parseProtos(proto)
	if err != nil {
		return 0, err
	}
	if !src.IsValid() {
		return 0, errors.New("conntrack: invalid source address")
	}
	src = src.Unmap().WithZone("")
	c, err := dial()
	if err != nil {
		return 0, err
	}
	defer c.close()
	entries, err := c.list(family(src), func(e Entry) bool {
		return e.Src == src && e.DstPort == port && protos[e.Proto]
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		gone, err := c.remove(e)
		if err != nil {
			return n, err
		}
		if !gone {
			n++
		}
	}
	return n, nil
}

func parseProtos(proto string) (map[uint8]bool, error) {
	out := map[uint8]bool{}
	for _, p := range strings.Fields(proto) {
		switch p {
		case "tcp":
			out[unix.IPPROTO_TCP] = true
		case "udp":
			out[unix.IPPROTO_UDP] = true
		default:
			return nil, fmt.Errorf("conntrack: protocol %q: only tcp and udp have ports", p)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("conntrack: no protocol given")
	}
	return out, nil
}

// Killer is Kill as a value, for interfaces such as door.SessionKiller.
type Killer struct{}

// Kill is the package-level Kill.
func (Killer) Kill(src netip.Addr, proto string, port uint16) (int, error) {
	return Kill(src, proto, port)
}
