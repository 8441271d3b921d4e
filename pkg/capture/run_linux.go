//go:build linux

package capture

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/uciknock/uciknock/pkg/knock"
	"golang.org/x/sys/unix"
)

// errInterrupted: a read was cut short by Close, the context or a tick.
var errInterrupted = errors.New("capture: interrupted")

// queueDrainMax bounds one pass over the ordinary receive queue, so that
// a flood cannot keep Run from noticing its context.
const queueDrainMax = 256

// Run reads knocks until ctx is done or Close is called, calling fn for
// each one from Run's goroutine (fn must be quick: the kernel buffers at
// most the ring's size meanwhile). It returns nil when stopped that way.
// It follows the interface: on link down, removal or a new index it
// reports an Event and reopens the socket when the interface is back.
// Run may be called once at a time.
func (l *Listener) Run(ctx context.Context, fn func(knock.Knock)) error {
	done, err := l.begin()
	if err != nil {
		return err
	}
	defer l.end(done)
	defer context.AfterFunc(ctx, l.interrupt)()
	defer l.watchTicks()()

	rd := newReader(l, fn)
	rd.refreshAddrs()
	for {
		if ctx.Err() != nil || l.closing.Load() {
			return nil
		}
		if l.recheck.Swap(false) {
			l.check(rd, nil)
		}
		s := l.current()
		if s == nil {
			select {
			case <-l.wake:
			case <-ctx.Done():
			}
			continue
		}
		err := l.read(ctx, s, rd)
		switch {
		case errors.Is(err, errInterrupted):
		case errors.Is(err, unix.ENETDOWN), errors.Is(err, unix.ENXIO), errors.Is(err, unix.ENODEV):
			l.check(rd, err)
		default:
			return fmt.Errorf("capture: interface %q: read: %w", l.ifname, err)
		}
	}
}

// begin marks Run as running; end undoes it and releases Close.
func (l *Listener) begin() (chan struct{}, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closing.Load():
		return nil, ErrClosed
	case l.running:
		return nil, errors.New("capture: Run is already running")
	}
	l.running, l.done = true, make(chan struct{})
	return l.done, nil
}

func (l *Listener) end(done chan struct{}) {
	l.mu.Lock()
	l.running = false
	l.mu.Unlock()
	close(done)
}

// watchTicks turns recheck ticks into interrupts until the returned stop
// function is called.
func (l *Listener) watchTicks() (stop func()) {
	ticks := l.o.ticks
	var ticker *time.Ticker
	if ticks == nil {
		ticker = time.NewTicker(DefaultRecheck)
		ticks = ticker.C
	}
	quit := make(chan struct{})
	go func() {
		for {
			select {
			case <-ticks:
				l.recheck.Store(true)
				l.interrupt()
			case <-quit:
				return
			}
		}
	}()
	return func() {
		close(quit)
		if ticker != nil {
			ticker.Stop()
		}
	}
}

// read delivers packets from s until interrupted or the socket reports an
// error. Under a flood the poller is never reached, so the reasons to
// stop are also checked after every batch of frames.
//
// A lone knock is read as soon as the kernel wakes us: the door must
// open before the client's next packet. A flood would wake us for every
// packet, so after a batch of at least coalesceMin frames read waits
// o.coalesce before looking again: the kernel gathers the next batch in
// the ring meanwhile (interrupt moderation, as NAPI does).
func (l *Listener) read(ctx context.Context, s *socket, rd *reader) error {
	stop := func() bool { return ctx.Err() != nil || l.closing.Load() || l.recheck.Load() }
	fds := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLIN}, {Fd: int32(s.wake), Events: unix.POLLIN}}
	var buf [8]byte
	for {
		// Empty the eventfd before looking at the reasons: an interrupt
		// after this look leaves it readable for the next ppoll.
		_, _ = unix.Read(s.wake, buf[:])
		if stop() {
			return errInterrupted
		}
		if s.ring == nil || s.fresh {
			s.fresh = false
			n, err := rd.recvQueue(s.fd, queueDrainMax)
			if err != nil {
				return err
			}
			if s.ring == nil && n == queueDrainMax {
				continue // more may wait; look at the reasons first
			}
		}
		if s.ring != nil && s.ring.ready() {
			n := s.ring.consume(rd, s.fd, ringBatchMax)
			if n >= coalesceMin && l.o.coalesce > 0 {
				time.Sleep(l.o.coalesce)
			}
			continue
		}
		fds[0].Revents, fds[1].Revents = 0, 0
		if _, err := unix.Ppoll(fds, nil, nil); err != nil && !errors.Is(err, unix.EINTR) {
			return err
		}
		if fds[0].Revents&(unix.POLLERR|unix.POLLHUP|unix.POLLNVAL) != 0 {
			// A pending socket error: ENETDOWN when the link goes down
			// or the interface goes away.
			e, err := unix.GetsockoptInt(s.fd, unix.SOL_SOCKET, unix.SO_ERROR)
			if err != nil {
				return err
			}
			if e != 0 {
				return unix.Errno(e)
			}
			if fds[0].Revents&unix.POLLNVAL != 0 {
				return unix.EBADF
			}
		}
	}
}

// ringBatchMax bounds the frames read between two looks at the reasons
// to stop; coalesceMin is the batch from which read lets the kernel
// gather the next one (see read).
const (
	ringBatchMax = 4096
	coalesceMin  = 8
)

// check looks the interface up again: refreshes the host's addresses,
// reports link state changes, and replaces the socket when the interface
// went away or came back with a new index. cause is the socket error that
// prompted the check, if any.
func (l *Listener) check(rd *reader, cause error) {
	rd.refreshAddrs()
	if l.ifname == "" {
		return
	}
	var ifi *net.Interface
	lookupErr := l.o.enter(func() error {
		var err error
		ifi, err = net.InterfaceByName(l.ifname)
		return err
	})
	s := l.current()
	if s != nil && lookupErr == nil && ifi.Index == s.index && s.bound() == s.index {
		up := ifi.Flags&net.FlagUp != 0
		switch {
		case cause != nil && s.up:
			s.up = false
			l.o.events(Event{Kind: EventDown, Interface: l.ifname, Index: s.index, Err: cause})
		case up != s.up:
			s.up = up
			kind := EventDown
			if up {
				kind = EventUp
			}
			l.o.events(Event{Kind: kind, Interface: l.ifname, Index: s.index})
		}
		return
	}
	if s != nil {
		why := cause
		switch {
		case lookupErr != nil:
			why = lookupErr
		case ifi.Index != s.index:
			why = fmt.Errorf("index changed from %d to %d", s.index, ifi.Index)
		case why == nil:
			why = errors.New("the socket lost its interface")
		}
		l.mu.Lock()
		_ = l.closeSocket()
		l.mu.Unlock()
		l.o.events(Event{Kind: EventLost, Interface: l.ifname, Index: s.index, Err: why})
	}
	if lookupErr != nil {
		l.reportWaiting(lookupErr)
		return
	}
	ev, err := l.open()
	if err != nil {
		l.reportWaiting(err)
		return
	}
	l.reopens.Add(1)
	l.o.events(ev)
}

// reportWaiting reports EventWaiting once per absence.
func (l *Listener) reportWaiting(err error) {
	l.mu.Lock()
	first := !l.waiting
	l.waiting = true
	l.mu.Unlock()
	if first {
		l.o.events(Event{Kind: EventWaiting, Interface: l.ifname, Err: err})
	}
}

// bound returns the interface index the kernel has the socket bound to:
// -1 once that interface was unregistered, even if a new one got the same
// name and index since.
func (s *socket) bound() int {
	idx := -1
	if sa, err := unix.Getsockname(s.fd); err == nil {
		if ll, ok := sa.(*unix.SockaddrLinklayer); ok {
			idx = ll.Ifindex
		}
	}
	return idx
}
