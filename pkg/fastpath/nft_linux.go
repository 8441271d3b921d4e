//go:build linux

package fastpath

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/uciknock/uciknock/internal/nfnl"
	"github.com/uciknock/uciknock/internal/nlattr"
)

// recvTimeout bounds every wait for the kernel's answer.
const recvTimeout = 5 * time.Second

// dumpTries bounds the retries of a dump the kernel marks interrupted
// (the ruleset changed while it ran; nft retries too).
const dumpTries = 4

// NFT is the Kernel over netlink: one lasting NETLINK_NETFILTER socket
// in the network namespace of the process (of the calling thread when
// dialled), speaking nf_tables itself (nfmsg.go).
type NFT struct {
	mu  sync.Mutex // guards everything below: one request at a time
	c   *nfnl.Conn // nil once closed
	seq uint32
}

// DialNFT opens the netlink socket.
func DialNFT() (*NFT, error) {
	c, err := nfnl.Dial(recvTimeout)
	if err != nil {
		return nil, fmt.Errorf("fastpath: nftables %w", err)
	}
	// Errors carry the failed message's header only, not all of it.
	_ = unix.SetsockoptInt(c.FD(), unix.SOL_NETLINK, unix.NETLINK_CAP_ACK, 1)
	// Sequence numbers start from the clock, so that answers meant for
	// an earlier socket with the same port id are never taken for ours.
	return &NFT{c: c, seq: uint32(time.Now().UnixNano())}, nil
}

// Close closes the socket; later requests fail.
func (n *NFT) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.c == nil {
		return nil
	}
	c := n.c
	n.c = nil // never close a number the process gave to another file since
	return c.Close()
}

var errClosed = errors.New("fastpath: nftables netlink socket closed")

func (n *NFT) send(b []byte) error {
	if n.c == nil {
		return errClosed
	}
	if err := n.c.Send(b); err != nil {
		return fmt.Errorf("fastpath: %w", err)
	}
	return nil
}

// recv reads one datagram; dontwait returns (nil, nil) when none is queued.
func (n *NFT) recv(dontwait bool) ([]byte, error) {
	d, err := n.c.Recv(dontwait)
	if err != nil {
		return nil, fmt.Errorf("fastpath: %w", err)
	}
	return d, nil
}

// errno is the error of a kernel errno, as errors.Is finds it.
func errno(e int32) error { return unix.Errno(e) }

// transact sends one batch and waits for the kernel's answers (see
// batch). The kernel handles a batch within the send, all or nothing:
// an error for a message or for the batch as a whole means nothing of
// it was applied.
func (n *NFT) transact(mk func(seq uint32) *batch) error {
	b := mk(n.seq + 1)
	if len(b.what) == 0 {
		return nil
	}
	n.seq += uint32(len(b.what)) + 2
	if err := n.send(b.bytes()); err != nil {
		return err
	}
	a := newAcks(b)
	for !a.done() {
		d, err := n.recv(false)
		if errors.Is(err, unix.ENOBUFS) {
			// Answers were dropped: only errors come unasked, so the
			// batch failed, and was undone as a whole.
			a.fail(fmt.Errorf("fastpath: nftables batch refused, its errors lost: %w", err))
			break
		}
		if err != nil {
			return err
		}
		if err := a.read(d, errno); err != nil {
			return err
		}
	}
	if a.whole {
		// The answers to single messages the kernel still queued.
		for {
			d, err := n.recv(true)
			if err != nil || d == nil {
				break
			}
			_ = a.read(d, errno)
		}
	}
	return a.err()
}

// dump sends a dump request and hands each answer message's body to fn.
// A dump the kernel marks interrupted is run again (fn must start over:
// reset is called before each run).
func (n *NFT) dump(typ uint16, attrs []byte, reset func(), fn func(body []byte) error) error {
	for try := 1; ; try++ {
		reset()
		n.seq++
		seq := n.seq
		if err := n.send(dumpMsg(typ, seq, attrs)); err != nil {
			return err
		}
		intr, err := n.dumpAnswers(seq, fn)
		if err != nil || !intr {
			return err
		}
		if try == dumpTries {
			return errors.New("fastpath: the ruleset kept changing during the dump")
		}
	}
}

// dumpAnswers reads a dump to its end, even after fn failed: a dump
// left half read keeps the socket busy (the kernel refuses the next one).
func (n *NFT) dumpAnswers(seq uint32, fn func(body []byte) error) (intr bool, err error) {
	var first error
	for {
		d, err := n.recv(false)
		if err != nil {
			return false, err
		}
		done := false
		err = nfnl.WalkMsgs(d, func(m nfnl.Msg) error {
			if m.Seq != seq || done {
				return nil // a stale answer to an earlier request
			}
			intr = intr || m.Flags&nfnl.DumpIntr != 0
			switch m.Type {
			case nfnl.MsgDone, nfnl.MsgError:
				done = true
				e, err := nfnl.Errno(m.Body)
				if err == nil && e != 0 {
					err = unix.Errno(e)
				}
				return err
			}
			if err := fn(m.Body); err != nil && first == nil {
				first = err
			}
			return nil
		})
		if err != nil || done {
			if first != nil {
				err = first
			}
			return intr, err
		}
	}
}

// Apply implements Kernel: one batch of element deletions and additions.
// An add of an element that is there already is no error and keeps the
// element's timeout (NLM_F_CREATE without NLM_F_EXCL); Doors moves a
// timeout by deleting and adding in one batch.
func (n *NFT) Apply(dels, adds []Elem, timeout time.Duration) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.transact(func(seq uint32) *batch { return applyBatch(seq, dels, adds, timeout) })
}

// Sets implements Kernel: the names of our sets in table inet fw4.
func (n *NFT) Sets() ([]string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	err := n.dump(msgGetSet, setAttrs(""), func() { out = nil }, func(body []byte) error {
		name, err := setName(body)
		if err == nil && strings.HasPrefix(name, SetPrefix) {
			out = append(out, name)
		}
		return err
	})
	if errors.Is(err, unix.ENOENT) {
		return nil, nil // no table inet fw4
	}
	if err != nil {
		return nil, fmt.Errorf("fastpath: list sets of inet %s: %w", Table, err)
	}
	return out, nil
}

// Keys returns the keys of the elements of one of our sets, as strings
// (for `uciknockd status`). A missing set is an error.
func (n *NFT) Keys(name string) (map[string]bool, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	keys, err := n.keys(name)
	if err != nil {
		return nil, fmt.Errorf("fastpath: elements of %s: %w", name, err)
	}
	out := make(map[string]bool, len(keys))
	for _, k := range keys {
		out[string(k)] = true
	}
	return out, nil
}

func (n *NFT) keys(set string) ([][]byte, error) {
	var out [][]byte
	err := n.dump(msgGetSetElem, setAttrs(set), func() { out = nil }, func(body []byte) error {
		keys, err := setElemKeys(body)
		for _, k := range keys {
			out = append(out, append([]byte(nil), k...)) // body is the receive buffer
		}
		return err
	})
	return out, err
}

// ZoneDevices returns the interfaces fw4 sends to zone's chains: the
// iifname matches of the jumps to input_<zone> in fw4's input chain (the
// jump to dstnat_<zone>, when it exists, matches the same). A zone made
// of subnets or wildcard devices yields none: its forward doors are not
// live in the kernel (they open with the reload).
func (n *NFT) ZoneDevices(zone string) ([]string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	var devs, sets []string
	attrs := nlattr.AppendString(nil, attrRuleTable, Table)
	attrs = nlattr.AppendString(attrs, attrRuleChain, "input")
	err := n.dump(msgGetRule, attrs, func() { devs, sets = nil, nil }, func(body []byte) error {
		jump, names, looked, err := ruleDevices(body, "input_"+zone)
		if jump {
			devs = append(devs, names...)
			sets = append(sets, looked...)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("fastpath: rules of inet %s input: %w", Table, err)
	}
	for _, s := range sets {
		keys, err := n.keys(s)
		if err != nil {
			continue // gone meanwhile: the next change of the table tells
		}
		for _, k := range keys {
			if len(k) == ifnameLen {
				devs = append(devs, cstr(k))
			}
		}
	}
	return devs, nil
}

// SetDevices makes the zone's device set hold exactly devs (one batch).
func (n *NFT) SetDevices(zone string, devs []string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.transact(func(seq uint32) *batch { return devicesBatch(seq, zone, devs) })
}
