//go:build linux

package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"

	"github.com/mdlayher/packet"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Listener captures knocks on one interface, or on all of them, through a
// cooked AF_PACKET socket with the kernel filter of its port set.
type Listener struct {
	ifname string
	o      options
	wake   chan struct{} // capacity 1: wakes Run while it waits for the interface

	recheck atomic.Bool // a tick asked Run to recheck the interface
	closing atomic.Bool // Close was called

	received, knocks, malformed, notLocal, duplicates, reopens atomic.Uint64

	mu      sync.Mutex // guards the fields below
	filter  []bpf.RawInstruction
	sock    *socket // nil while the interface is missing
	kernel  Stats   // KernelPackets and KernelDrops of closed sockets and past reads
	running bool
	done    chan struct{} // closed when the running Run returns
	waiting bool          // EventWaiting reported since the last socket
}

// socket is one bound AF_PACKET socket and its ring. mdlayher/packet
// makes the socket (filter attached before bind); then the socket is taken
// out of Go's poller into a descriptor of our own: the runtime's epoll
// would wake for every packet the TPACKET_V2 ring receives, which under a
// flood costs more than reading them. Run waits with ppoll(2) itself and
// is interrupted through an eventfd.
type socket struct {
	fd    int   // the packet socket, not in Go's poller; non-blocking
	wake  int   // eventfd: interrupt makes a waiting Run look at its reasons
	ring  *ring // nil: recvfrom fallback
	index int
	up    bool
	fresh bool // its queue may hold packets from before the ring existed
}

// newSocket takes the descriptor of conn out of Go's poller: it keeps a
// duplicate and closes conn (which removes the original from epoll).
func newSocket(conn *packet.Conn) (*socket, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		conn.Close()
		return nil, err
	}
	s := &socket{fd: -1, wake: -1}
	cerr := rc.Control(func(fd uintptr) {
		s.fd, err = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0)
	})
	if err = errors.Join(cerr, err, conn.Close()); err != nil {
		s.close()
		return nil, fmt.Errorf("take the socket out of the poller: %w", err)
	}
	if s.wake, err = unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK); err != nil {
		s.close()
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	return s, nil
}

func (s *socket) close() error {
	var errs []error
	for _, fd := range []*int{&s.fd, &s.wake} {
		if *fd >= 0 {
			errs = append(errs, unix.Close(*fd))
			*fd = -1
		}
	}
	return errors.Join(errs...)
}

// missingError says the interface does not exist (yet).
type missingError struct {
	name string
	err  error
}

func (e *missingError) Error() string { return fmt.Sprintf("interface %q: %v", e.name, e.err) }
func (e *missingError) Unwrap() error { return e.err }

// Listen opens the capture socket on interface ifname ("" for all
// interfaces) with the filter for ports. The filter is attached before the
// socket is bound, so no other packet is ever queued. If the interface does
// not exist yet, Listen still succeeds: it reports EventWaiting and Run
// opens the socket once the interface appears. Errors are invalid ports
// and failures to open the socket (no privilege, no AF_PACKET support).
func Listen(ifname string, ports []Port, opts ...Option) (*Listener, error) {
	filter, err := Filter(ports)
	if err != nil {
		return nil, err
	}
	l := &Listener{ifname: ifname, o: defaultOptions(), wake: make(chan struct{}, 1), filter: filter}
	for _, opt := range opts {
		opt(&l.o)
	}
	ev, err := l.open()
	var missing *missingError
	if errors.As(err, &missing) {
		l.waiting = true
		l.o.events(Event{Kind: EventWaiting, Interface: ifname, Err: err})
		return l, nil
	}
	if err != nil {
		return nil, err
	}
	l.o.events(ev)
	return l, nil
}

// open opens and publishes a socket, with l.mu not held.
func (l *Listener) open() (Event, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ev := Event{Kind: EventOpened, Interface: l.ifname}
	var s *socket
	err := l.o.enter(func() error {
		ifi := &net.Interface{Name: l.ifname, Flags: net.FlagUp} // index 0: all interfaces
		if l.ifname != "" {
			found, err := net.InterfaceByName(l.ifname)
			if err != nil {
				return &missingError{name: l.ifname, err: err}
			}
			ifi = found
		}
		conn, err := packet.Listen(ifi, packet.Datagram, unix.ETH_P_ALL, &packet.Config{Filter: l.filter})
		if err != nil {
			return fmt.Errorf("capture: interface %q: %w", l.ifname, err)
		}
		if s, err = newSocket(conn); err != nil {
			return fmt.Errorf("capture: interface %q: %w", l.ifname, err)
		}
		s.index, s.up, s.fresh = ifi.Index, ifi.Flags&net.FlagUp != 0, true
		return nil
	})
	if err != nil {
		return ev, err
	}
	// Outgoing copies would be dropped by the filter anyway; this spares
	// the kernel cloning them (Linux >= 4.20; older kernels say ENOPROTOOPT).
	_ = unix.SetsockoptInt(s.fd, unix.SOL_PACKET, unix.PACKET_IGNORE_OUTGOING, 1)
	if !l.o.noRing {
		if s.ring, ev.Err = newRing(s.fd, &l.o); ev.Err != nil {
			s.ring = nil
		}
	}
	l.sock, l.waiting = s, false
	ev.Index, ev.Ring = s.index, s.ring != nil
	return ev, nil
}

// closeSocket closes the current socket, keeping its kernel counters.
// l.mu must be held.
func (l *Listener) closeSocket() error {
	s := l.sock
	if s == nil {
		return nil
	}
	l.sock = nil
	l.collect(s)
	return errors.Join(s.close(), s.ring.close())
}

// collect adds the kernel's counters (which reading resets) to l.kernel.
// l.mu must be held.
func (l *Listener) collect(s *socket) {
	// struct tpacket_stats: what TPACKET_V2 and ringless sockets report.
	if ks, err := unix.GetsockoptTpacketStats(s.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS); err == nil {
		l.kernel.KernelPackets += uint64(ks.Packets)
		l.kernel.KernelDrops += uint64(ks.Drops)
	}
}

// SetPorts replaces the kernel filter (atomically: SO_ATTACH_FILTER swaps
// programs). Packets the old filter let in and that still wait in the
// ring are delivered: they were knocks when they arrived, and the engine
// ignores ports it no longer knows. A socket opened later gets the new
// filter.
func (l *Listener) SetPorts(ports []Port) error {
	filter, err := Filter(ports)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closing.Load() {
		return ErrClosed
	}
	l.filter = filter
	if l.sock == nil {
		return nil
	}
	if err := setFilter(l.sock.fd, filter); err != nil {
		return fmt.Errorf("capture: interface %q: replace filter: %w", l.ifname, err)
	}
	return nil
}

// Stats returns the counters, reading the kernel's on the way.
func (l *Listener) Stats() Stats {
	l.mu.Lock()
	if l.sock != nil {
		l.collect(l.sock)
	}
	st := l.kernel
	l.mu.Unlock()
	st.Received = l.received.Load()
	st.Knocks = l.knocks.Load()
	st.Malformed = l.malformed.Load()
	st.NotLocal = l.notLocal.Load()
	st.Duplicates = l.duplicates.Load()
	st.Reopens = l.reopens.Load()
	return st
}

// Close stops Run (waiting for it to return) and closes the socket.
func (l *Listener) Close() error {
	if l.closing.Swap(true) {
		return nil
	}
	l.mu.Lock()
	running, done := l.running, l.done
	l.mu.Unlock()
	if running {
		l.interrupt()
		<-done
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closeSocket()
}

// interrupt makes a waiting read return (through the socket's eventfd)
// and wakes a Run waiting for its interface. Callers set their reason (a
// flag, a cancelled context) before calling it; Run empties the eventfd
// before looking at the reasons, so no interrupt is lost.
func (l *Listener) interrupt() {
	l.mu.Lock()
	if s := l.sock; s != nil {
		var one [8]byte
		binary.NativeEndian.PutUint64(one[:], 1)
		_, _ = unix.Write(s.wake, one[:])
	}
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// setFilter replaces the socket's classic BPF program (SO_ATTACH_FILTER
// swaps it atomically).
func setFilter(fd int, filter []bpf.RawInstruction) error {
	if len(filter) == 0 {
		return errors.New("empty filter")
	}
	prog := make([]unix.SockFilter, len(filter))
	for i, ins := range filter {
		prog[i] = unix.SockFilter{Code: ins.Op, Jt: ins.Jt, Jf: ins.Jf, K: ins.K}
	}
	return unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]})
}

func (l *Listener) current() *socket {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sock
}
