//go:build linux

package fastpath

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/uciknock/uciknock/internal/nfnl"
)

// Watch listens to nftables netlink notifications (the multicast group
// `nft monitor` uses; nothing is polled) and keeps the doors live: when
// fw4's table or one of our sets is created anew (fw4 restart, firewall
// stop/start) every wanted door is written again; when a wanted element
// is deleted by someone else it is put back. Our own writes never
// trigger a write: a closed door is not wanted, a refresh ends with its
// element added.
type Watch struct {
	f  *os.File // the non-blocking netlink socket, in Go's poller
	rc syscall.RawConn
	d  *Doors
	// Resynced, if set, is called after every resync with the number of
	// live doors, the time since the notification and the first error.
	Resynced func(live int, took time.Duration, err error)
	// DevicesFailed, if set, is called when the zones' device sets could
	// not be brought in step with fw4 (forward doors may not be live).
	DevicesFailed func(err error)
}

// NewWatch joins the nftables notification group.
func NewWatch(d *Doors) (*Watch, error) {
	fd, err := nfnl.Socket(unix.SOCK_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("fastpath: %w", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_ADD_MEMBERSHIP, unix.NFNLGRP_NFTABLES); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("fastpath: join nftables group: %w", err)
	}
	// A reload of a big ruleset sends thousands of notifications at once.
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 1<<20)
	f := os.NewFile(uintptr(fd), "nftables notifications")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("fastpath: netlink: %w", err)
	}
	return &Watch{f: f, rc: rc, d: d}, nil
}

// errOverrun: notifications were dropped (the socket's buffer was full,
// or one did not fit in ours).
var errOverrun = errors.New("fastpath: nftables notifications lost")

// receive waits for one datagram of notifications.
func (w *Watch) receive(buf []byte) ([]byte, error) {
	var n int
	var rerr error
	err := w.rc.Read(func(fd uintptr) bool {
		n, _, rerr = unix.Recvfrom(int(fd), buf, unix.MSG_TRUNC)
		return !errors.Is(rerr, unix.EAGAIN) && !errors.Is(rerr, unix.EINTR)
	})
	switch {
	case err != nil:
		return nil, err
	case errors.Is(rerr, unix.ENOBUFS), rerr == nil && n > len(buf):
		return nil, errOverrun
	case rerr != nil:
		return nil, rerr
	}
	return buf[:n], nil
}

// Run handles notifications until ctx is done. It returns an error only
// when the socket fails (then doors stay live but are not watched).
func (w *Watch) Run(ctx context.Context) error {
	defer w.f.Close()
	stop := context.AfterFunc(ctx, func() { _ = w.f.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	var lost, touched bool
	var since time.Time
	gone := make(map[string]map[string]bool) // set -> key -> deleted last
	handles := make(map[string]string)       // our sets' kernel handles
	buf := make([]byte, 1<<16)
	for {
		dgram, err := w.receive(buf)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			if errors.Is(err, errOverrun) {
				// Notifications were dropped: we cannot know what
				// happened, so write everything again.
				lost, since = true, time.Now()
				w.resync(lost, nil, since)
				lost = false
				continue
			}
			return fmt.Errorf("fastpath: nftables notifications: %w", err)
		}
		err = nfnl.WalkMsgs(dgram, func(msg nfnl.Msg) error {
			c, err := parseEvent(msg.Type, msg.Body)
			if err != nil || !(c.gen || c.touch) {
				return nil
			}
			if since.IsZero() {
				since = time.Now()
			}
			touched = touched || (c.touch && c.set == "")
			switch {
			case c.gen:
				if lost || len(gone) > 0 {
					w.resync(lost, gone, since)
				}
				if touched {
					// fw4 reloaded: its zones' devices may have changed.
					zones, err := Available(w.d.k)
					if err == nil {
						err = w.d.SyncDevices(zones)
					}
					if err != nil && w.DevicesFailed != nil {
						w.DevicesFailed(err)
					}
				}
				touched = false
				lost, since = false, time.Time{}
				clear(gone)
			case c.lost:
				// fw4's table created: a new table numbers its sets
				// from 1 again, so the handles seen so far mean nothing.
				lost = true
				clear(handles)
			case c.newSet != "":
				// Unknown (first seen) or a new handle: created anew,
				// so its elements are gone. Same handle: a reload
				// re-declared it and it kept its elements.
				if h, ok := handles[c.newSet]; !ok || h != string(c.handle) || len(c.handle) == 0 {
					lost = true
				}
				handles[c.newSet] = string(c.handle)
			case c.set != "":
				m := gone[c.set]
				if m == nil {
					m = make(map[string]bool)
					gone[c.set] = m
				}
				for _, k := range c.keys {
					if c.del {
						m[string(k)] = true
					} else {
						delete(m, string(k))
					}
				}
				if len(m) == 0 {
					delete(gone, c.set)
				}
			}
			return nil
		})
		if err != nil {
			// A datagram we cannot read may have hidden a re-created
			// table: write everything again at the end of it.
			lost = true
			if since.IsZero() {
				since = time.Now()
			}
		}
	}
}

func (w *Watch) resync(lost bool, gone map[string]map[string]bool, since time.Time) {
	var n int
	var err error
	if lost {
		n, err = w.d.Resync(true)
	} else {
		n, err = w.d.restore(gone)
	}
	if w.Resynced != nil && (lost || n > 0 || err != nil) {
		w.Resynced(n, time.Since(since), err)
	}
}
