//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Files in the run directory that the observer follows.
const (
	reloadsFile = "reloads" // one line per run of uciknockd's reload_command
	opensFile   = "opens"   // one line (the source) per run of knockd's start_command
)

// doorName matches the rule uciknockd writes for the bench door.
var doorName = regexp.MustCompile(`option name '` + doorPrefix + `_([0-9A-Fa-f.:]+)_22'`)

// observer turns inotify events in the run directory into "source S's
// door opened at T", and counts firewall writes and reloads.
type observer struct {
	dir      string // the run directory
	firewall string // dir/etc/config/firewall

	mu      sync.Mutex // guards the fields below
	opened  map[netip.Addr]time.Time
	writes  int
	reloads []time.Time
	lines   map[string]int // lines already read per record file
}

func newObserver(dir string) *observer {
	return &observer{dir: dir, firewall: filepath.Join(dir, "etc", "config", "firewall"),
		opened: map[netip.Addr]time.Time{}, lines: map[string]int{}}
}

// run watches until ctx ends.
func (o *observer) run(ctx context.Context) (func() error, error) {
	w, err := NewWatcher(o.dir, filepath.Dir(o.firewall))
	if err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- w.Run(o.event) }()
	return func() error { w.Close(); return <-done }, nil
}

func (o *observer) event(ev FileEvent) {
	switch {
	case ev.Name == "firewall" && ev.Dir == filepath.Dir(o.firewall) && ev.Mask&unix.IN_MOVED_TO != 0:
		o.firewallWritten(ev.At)
	case ev.Dir == o.dir && ev.Name == reloadsFile && ev.Mask&unix.IN_MODIFY != 0:
		for range o.newLines(reloadsFile) {
			o.mu.Lock()
			o.reloads = append(o.reloads, ev.At)
			o.mu.Unlock()
		}
	case ev.Dir == o.dir && ev.Name == opensFile && ev.Mask&unix.IN_MODIFY != 0:
		for _, l := range o.newLines(opensFile) {
			if a, err := netip.ParseAddr(l); err == nil {
				o.open(a, ev.At)
			}
		}
	}
}

func (o *observer) firewallWritten(at time.Time) {
	o.mu.Lock()
	o.writes++
	o.mu.Unlock()
	b, err := os.ReadFile(o.firewall)
	if err != nil {
		return
	}
	for _, m := range doorName.FindAllSubmatch(b, -1) {
		if a, err := netip.ParseAddr(string(m[1])); err == nil {
			o.open(a, at)
		}
	}
}

// open records the first time a's door was seen open.
func (o *observer) open(a netip.Addr, at time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.opened[a]; !ok {
		o.opened[a] = at
	}
}

// newLines returns the complete lines of a record file not returned before.
func (o *observer) newLines(name string) []string {
	b, err := os.ReadFile(filepath.Join(o.dir, name))
	if err != nil {
		return nil
	}
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[:i+1]
	} else {
		return nil
	}
	var all []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		all = append(all, sc.Text())
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	seen := o.lines[name]
	o.lines[name] = len(all)
	if seen >= len(all) {
		return nil
	}
	return all[seen:]
}

// openedAt reports when a's door opened.
func (o *observer) openedAt(a netip.Addr) (time.Time, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	t, ok := o.opened[a]
	return t, ok
}

// spoofed counts the sources in 198.18.0.0/15 that got a door.
func (o *observer) spoofed() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for a := range o.opened {
		if SpoofedPrefix.Contains(a) {
			n++
		}
	}
	return n
}

// counts returns the firewall writes and reloads seen so far.
func (o *observer) counts() (writes, reloads int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.writes, len(o.reloads)
}

// reloadAfter returns the first reload at or after t.
func (o *observer) reloadAfter(t time.Time) (time.Time, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, r := range o.reloads {
		if !r.Before(t) {
			return r, true
		}
	}
	return time.Time{}, false
}

// waitOpen waits until every source in srcs opened or timeout passed, and
// returns how many opened.
func (o *observer) waitOpen(ctx context.Context, srcs []netip.Addr, timeout time.Duration) (int, error) {
	deadline := time.Now().Add(timeout)
	for {
		n := 0
		for _, s := range srcs {
			if _, ok := o.openedAt(s); ok {
				n++
			}
		}
		if n == len(srcs) || time.Now().After(deadline) {
			return n, nil
		}
		select {
		case <-ctx.Done():
			return n, fmt.Errorf("interrupted: %w", ctx.Err())
		case <-time.After(2 * time.Millisecond):
		}
	}
}
