//go:build linux

package fastpath

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// Watch listens to nftables netlink notifications (the multicast group
// `nft monitor` uses; nothing is polled) and keeps the doors live: when
// fw4's table or one of our sets is created anew (fw4 restart, firewall
// stop/start) every wanted door is written again; when a wanted element
// is deleted by someone else it is put back. Our own writes never
// trigger a write: a closed door is not wanted, a refresh ends with its
// element added.
type Watch struct {
	c *netlink.Conn
	d *Doors
	// Resynced, if set, is called after every resync with the number of
	// live doors, the time since the notification and the first error.
	Resynced func(live int, took time.Duration, err error)
	// DevicesFailed, if set, is called when the zones' device sets could
	// not be brought in step with fw4 (forward doors may not be live).
	DevicesFailed func(err error)
}

// NewWatch joins the nftables notification group.
func NewWatch(d *Doors) (*Watch, error) {
	c, err := netlink.Dial(unix.NETLINK_NETFILTER, nil)
	if err != nil {
		return nil, fmt.Errorf("fastpath: netlink: %w", err)
	}
	if err := c.JoinGroup(unix.NFNLGRP_NFTABLES); err != nil {
		c.Close()
		return nil, fmt.Errorf("fastpath: join nftables group: %w", err)
	}
	// A reload of a big ruleset sends thousands of notifications at once.
	_ = c.SetReadBuffer(1 << 20)
	return &Watch{c: c, d: d}, nil
}

// Run handles notifications until ctx is done. It returns an error only
// when the socket fails (then doors stay live but are not watched).
func (w *Watch) Run(ctx context.Context) error {
	defer w.c.Close()
	stop := context.AfterFunc(ctx, func() { _ = w.c.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	var lost, touched bool
	var since time.Time
	gone := make(map[string]map[string]bool) // set -> key -> deleted last
	handles := make(map[string]string)       // our sets' kernel handles
	for {
		msgs, err := w.c.Receive()
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			var oe *netlink.OpError
			if errors.As(err, &oe) && errors.Is(oe.Err, unix.ENOBUFS) {
				// Notifications were dropped: we cannot know what
				// happened, so write everything again.
				lost, since = true, time.Now()
				w.resync(lost, nil, since)
				lost = false
				continue
			}
			return fmt.Errorf("fastpath: nftables notifications: %w", err)
		}
		for _, m := range msgs {
			c, err := parseEvent(uint16(m.Header.Type), m.Data)
			if err != nil || !(c.gen || c.touch) {
				continue
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
					if err := w.d.SyncDevices(); err != nil && w.DevicesFailed != nil {
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
