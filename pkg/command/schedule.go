package command

import (
	"context"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Clock schedules f after d; the returned stop cancels it and reports
// whether it did so before f started. RealClock is time.AfterFunc.
type Clock interface {
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// RealClock is the wall clock.
type RealClock struct{}

// AfterFunc is time.AfterFunc.
func (RealClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// Action is one knockd door's commands for one address family.
type Action struct {
	// Name identifies the sequence (its UCI path): one stop command waits
	// per (Name, address); a new completion replaces the waiting one,
	// which moves the stop to StopAfter after the new start.
	Name  string
	Start []string // start_command, split; nothing runs when empty
	Stop  []string // stop_command, split; optional
	// StopAfter is knockd's cmd_timeout: the stop command runs this long
	// after the start command finished (knockd's default is 10 s).
	StopAfter time.Duration
}

// Phase says which command of an Action a Report is about.
type Phase string

// Phases of an Action.
const (
	PhaseStart Phase = "start"
	PhaseStop  Phase = "stop"
)

// Report is one finished command, for the caller to log.
type Report struct {
	Phase  Phase
	IP     netip.Addr
	Result Result
	Err    error
}

// Scheduler runs Actions: the start command at once (in its own
// goroutine) and the stop command StopAfter after the start finished, as
// knockd does, whatever the start's exit status. Every command's outcome
// goes to Report, from the goroutine that ran it. At most one stop command
// waits per (Action.Name, address).
type Scheduler struct {
	runner  *Runner
	clock   Clock
	report  func(Report)
	wg      sync.WaitGroup // running and pending commands
	running atomic.Int32   // commands running now (start and stop)

	mu      sync.Mutex              // guards pending, nextID and closed
	pending map[stopKey]pendingStop // the one waiting stop of each (name, address)
	nextID  uint64
	closed  bool
}

type stopKey struct {
	name string
	ip   netip.Addr
}

// pendingStop is a waiting stop command; id tells its timer from the
// timer of a stop that replaced it under the same key.
type pendingStop struct {
	id     uint64
	argv   []string
	cancel func() bool
}

// NewScheduler returns a Scheduler; clock nil means RealClock, report nil
// drops reports.
func NewScheduler(r *Runner, clock Clock, report func(Report)) *Scheduler {
	if clock == nil {
		clock = RealClock{}
	}
	if report == nil {
		report = func(Report) {}
	}
	return &Scheduler{runner: r, clock: clock, report: report, pending: map[stopKey]pendingStop{}}
}

// Do starts a for ip. It returns false (and runs nothing) when a has no
// start command or the Scheduler was flushed.
func (s *Scheduler) Do(a Action, ip netip.Addr) bool {
	if len(a.Start) == 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	s.running.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.running.Add(-1) // after the stop is scheduled: Running 0 means settled
		res, err := s.runner.Run(context.Background(), a.Start, ip)
		s.report(Report{Phase: PhaseStart, IP: ip, Result: res, Err: err})
		if len(a.Stop) > 0 {
			s.schedule(stopKey{a.Name, ip}, a.Stop, a.StopAfter)
		}
	}()
	return true
}

func (s *Scheduler) schedule(key stopKey, argv []string, after time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		// Flushed while the start ran: the stop runs now, not never.
		s.wg.Add(1)
		s.running.Add(1)
		go s.runStop(argv, key.ip)
		return
	}
	if old, ok := s.pending[key]; ok {
		// The same source completed the sequence again: its one stop now
		// comes StopAfter after this start. If the old timer fired already,
		// fire finds a newer id under the key and runs nothing.
		old.cancel()
		s.wg.Done()
	}
	id := s.nextID
	s.nextID++
	s.wg.Add(1) // held by the pending stop until it runs or is flushed
	cancel := s.clock.AfterFunc(after, func() { s.fire(key, id) })
	s.pending[key] = pendingStop{id: id, argv: argv, cancel: cancel}
}

// fire runs the pending stop of key if it is still stop id: not taken by
// Flush, not replaced by a newer stop.
func (s *Scheduler) fire(key stopKey, id uint64) {
	s.mu.Lock()
	p, ok := s.pending[key]
	ok = ok && p.id == id
	if ok {
		delete(s.pending, key)
		s.running.Add(1)
	}
	s.mu.Unlock()
	if ok {
		s.runStop(p.argv, key.ip)
	}
}

// runStop runs a stop command and releases its WaitGroup slot and its
// place among the running commands.
func (s *Scheduler) runStop(argv []string, ip netip.Addr) {
	defer s.wg.Done()
	res, err := s.runner.Run(context.Background(), argv, ip)
	s.running.Add(-1)
	s.report(Report{Phase: PhaseStop, IP: ip, Result: res, Err: err})
}

// Pending returns how many stop commands wait for their time.
func (s *Scheduler) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

// Running returns how many commands (start and stop) run now.
func (s *Scheduler) Running() int {
	return int(s.running.Load())
}

// Flush is for shutdown: it refuses new Actions, runs every pending stop
// command now (stop commands of starts still running run as soon as
// those finish), and waits for all commands to finish or ctx to end.
func (s *Scheduler) Flush(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	for key, p := range s.pending {
		// If its timer fired already, fire() is waiting for mu, will find
		// the entry gone and skip it: either way it runs exactly once, here.
		p.cancel()
		delete(s.pending, key)
		s.running.Add(1)
		go s.runStop(p.argv, key.ip)
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
