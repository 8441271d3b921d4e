package conntrack

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/uciknock/uciknock/internal/nfnl"
)

// recvTimeout bounds every wait for the kernel's answer.
const recvTimeout = 5 * time.Second

// conn is one NETLINK_NETFILTER socket in the calling thread's network
// namespace, with the sequence number of its request. It is used by one
// goroutine at a time.
type conn struct {
	*nfnl.Conn
	seq uint32
}

func dial() (*conn, error) {
	c, err := nfnl.Dial(recvTimeout)
	if err != nil {
		return nil, fmt.Errorf("conntrack: %w", err)
	}
	return &conn{Conn: c}, nil
}

// request sends msg (whose seq field is set here) and hands every answer
// message with that seq to fn until the kernel's ack or NLMSG_DONE.
func (c *conn) request(msg []byte, fn func(typ uint16, body []byte) error) error {
	c.seq++
	binary.NativeEndian.PutUint32(msg[8:], c.seq)
	if err := c.Send(msg); err != nil {
		return fmt.Errorf("conntrack: %w", err)
	}
	for {
		d, err := c.Recv(false)
		if err != nil {
			return fmt.Errorf("conntrack: %w", err)
		}
		done, err := c.walk(d, fn)
		if done || err != nil {
			return err
		}
	}
}

// errDone stops walk at the answer that ends the request.
var errDone = errors.New("done")

// walk handles one datagram of netlink messages.
func (c *conn) walk(b []byte, fn func(typ uint16, body []byte) error) (done bool, err error) {
	err = nfnl.WalkMsgs(b, func(m nfnl.Msg) error {
		if m.Seq != c.seq {
			return nil // a stale answer to an earlier request
		}
		switch m.Type {
		case nfnl.MsgDone:
			return errDone
		case nfnl.MsgError:
			e, err := nfnl.Errno(m.Body)
			if err != nil {
				return err
			}
			if e != 0 {
				return unix.Errno(e)
			}
			return errDone // the ack
		}
		return fn(m.Type, m.Body)
	})
	switch {
	case err == nil:
		return false, nil
	case errors.Is(err, errDone):
		return true, nil
	case errors.Is(err, nfnl.ErrMalformed):
		return true, fmt.Errorf("conntrack: %w", err)
	}
	return true, err
}

// list dumps the entries of an address family that keep accepts (all
// when keep is nil).
func (c *conn) list(fam uint8, keep func(Entry) bool) ([]Entry, error) {
	var out []Entry
	err := c.request(dumpMessage(fam, 0), func(typ uint16, body []byte) error {
		if typ != 1<<8|msgCtNew || len(body) < nfnl.GenLen {
			return nil
		}
		e, ok, err := parseEntry(body[nfnl.GenLen:])
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
	defer c.Close()
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
	defer c.Close()
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
