package capture

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Stats are a Listener's counters since Listen. Packets that the kernel
// filter rejects are not counted anywhere: they never reach userspace.
type Stats struct {
	// Received counts packets that reached userspace (the filter passed
	// them), whatever became of them afterwards.
	Received uint64
	// Knocks counts packets handed to Run's callback.
	Knocks uint64
	// Malformed counts packets Decode rejected (truncated, malformed,
	// unsupported, impossible source).
	Malformed uint64
	// NotLocal counts well-formed packets whose destination is not an
	// address of this host (traffic being routed through it).
	NotLocal uint64
	// Duplicates counts copies of one packet seen on a second interface
	// (a bridge port and its bridge, a VLAN and its parent); only when
	// listening on all interfaces.
	Duplicates uint64
	// KernelPackets and KernelDrops are the kernel's PACKET_STATISTICS,
	// summed over every socket the Listener had: packets the filter
	// passed (including dropped ones) and packets dropped because the
	// ring or queue was full.
	KernelPackets uint64
	KernelDrops   uint64
	// Reopens counts sockets opened after the first (interface
	// re-created, index changed).
	Reopens uint64
}

// EventKind says what happened to a Listener's interface.
type EventKind uint8

// Event kinds, in the order they usually happen.
const (
	// EventOpened: a socket is bound (Index; Ring tells whether the
	// memory-mapped ring is in use, and if not, Err says why).
	EventOpened EventKind = iota + 1
	// EventWaiting: the interface does not exist (Err); the Listener
	// retries on every recheck tick.
	EventWaiting
	// EventDown: the link went down. The socket is kept; the kernel
	// resumes delivery when the link comes up again.
	EventDown
	// EventUp: the link is up again (noticed on a recheck tick).
	EventUp
	// EventLost: the interface went away or was replaced by one with a
	// new index (a PPPoE reconnect); the socket was closed and a new one
	// is opened as soon as the interface exists.
	EventLost
)

func (k EventKind) String() string {
	switch k {
	case EventOpened:
		return "opened"
	case EventWaiting:
		return "waiting"
	case EventDown:
		return "down"
	case EventUp:
		return "up"
	case EventLost:
		return "lost"
	}
	return "event(" + strconv.Itoa(int(k)) + ")"
}

// Event reports a change in a Listener's socket, for cmd/ to log.
type Event struct {
	Kind      EventKind
	Interface string // "" when listening on all interfaces
	Index     int    // interface index of the socket (0: all interfaces)
	Ring      bool   // EventOpened: the TPACKET_V2 ring is in use
	Err       error  // the cause, when there is one
}

func (e Event) String() string {
	name := e.Interface
	if name == "" {
		name = "all interfaces"
	}
	s := fmt.Sprintf("%s: %s", name, e.Kind)
	if e.Kind == EventOpened {
		mode := "ring"
		if !e.Ring {
			mode = "recvfrom"
		}
		s += fmt.Sprintf(" (index %d, %s)", e.Index, mode)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Defaults of the ring and the recheck interval.
const (
	// DefaultRingSize is the capture ring per socket: 5,376 frames, 27 ms
	// of a 200k packets/s flood that the daemon may spend off the CPU
	// before the kernel drops knocks. packet_mmap maps every page of the
	// ring at once, so all of it counts in the daemon's RSS
	// (docs/benchmarks.md, memory); uciknockd run --capture-ring picks.
	DefaultRingSize = 768 << 10
	// DefaultCoalesce is how long the reader lets the kernel gather
	// frames after a batch (a flood) before it looks again; a lone knock
	// is read at once (docs/capture.md). 2 ms: a flood costs a third less
	// CPU than with 1 ms (BenchmarkFlood).
	DefaultCoalesce = 2 * time.Millisecond
	DefaultRecheck  = 2 * time.Second
)

// Option configures a Listener.
type Option func(*options)

type options struct {
	enter    func(func() error) error
	events   func(Event)
	ticks    <-chan time.Time
	now      func() time.Time
	ringSize int
	coalesce time.Duration
	noRing   bool
	dedup    *Dedup
}

func defaultOptions() options {
	return options{
		enter:    func(fn func() error) error { return fn() },
		events:   func(Event) {},
		now:      systemNow,
		ringSize: DefaultRingSize,
		coalesce: DefaultCoalesce,
	}
}

// systemNow is the real clock, the default of WithClock.
func systemNow() time.Time { return time.Now() }

// WithEvents sets the callback that receives interface events. It is
// called from Run's goroutine, and from Listen for the first EventOpened
// or EventWaiting; it must not block.
func WithEvents(fn func(Event)) Option { return func(o *options) { o.events = fn } }

// WithTicks sets the channel whose ticks make Run recheck the interface
// (does it still exist, same index, link up?) and refresh the host's
// addresses. Default: a ticker of DefaultRecheck.
func WithTicks(c <-chan time.Time) Option { return func(o *options) { o.ticks = c } }

// WithClock sets the clock that stamps knocks read without the ring (whose
// frames carry the kernel's receive time).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithEnter runs every interface lookup and socket open through enter.
// Tests pass (*netns.NS).Do so that the Listener lives in a network
// namespace while Run is called from any goroutine.
func WithEnter(enter func(func() error) error) Option {
	return func(o *options) { o.enter = enter }
}

// WithRing sets the size of the TPACKET_V2 ring in bytes (a multiple of
// the page size; FrameSize bytes per captured packet).
func WithRing(size int) Option { return func(o *options) { o.ringSize = size } }

// WithCoalesce sets how long the reader waits after a batch of frames
// before it looks at the ring again (0: never waits; see Listener.Run).
func WithCoalesce(d time.Duration) Option { return func(o *options) { o.coalesce = d } }

// WithoutRing reads with one recvfrom(2) per packet instead of the ring:
// the fallback used automatically when the ring cannot be set up, made
// selectable for tests and comparison.
func WithoutRing() Option { return func(o *options) { o.noRing = true } }

// ErrClosed is returned by Run and SetPorts after Close.
var ErrClosed = errors.New("capture: listener closed")
