package command

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// fakeClock records AfterFunc calls; the test fires them by hand.
type fakeClock struct {
	mu     sync.Mutex // guards timers
	timers []*fakeTimer
}

type fakeTimer struct {
	d       time.Duration
	f       func()
	stopped bool
	fired   bool
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	tm := &fakeTimer{d: d, f: f}
	c.timers = append(c.timers, tm)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		if tm.fired || tm.stopped {
			return false
		}
		tm.stopped = true
		return true
	}
}

// waitTimers waits until n timers were scheduled and returns them.
func (c *fakeClock) waitTimers(t *testing.T, n int) []*fakeTimer {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.mu.Lock()
		got := append([]*fakeTimer(nil), c.timers...)
		c.mu.Unlock()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d timers scheduled, want %d", len(got), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// fire runs a timer's function as time.AfterFunc would.
func (c *fakeClock) fire(tm *fakeTimer) {
	c.mu.Lock()
	if tm.stopped || tm.fired {
		c.mu.Unlock()
		return
	}
	tm.fired = true
	c.mu.Unlock()
	tm.f()
}

func reports() (func(Report), <-chan Report) {
	ch := make(chan Report, 16)
	return func(r Report) { ch <- r }, ch
}

func next(t *testing.T, ch <-chan Report) Report {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no report")
		return Report{}
	}
}

func TestSchedulerStopAfterStart(t *testing.T) {
	clock := &fakeClock{}
	report, ch := reports()
	s := NewScheduler(&Runner{}, clock, report)
	a := Action{Start: []string{"echo", "open", "%IP%"}, Stop: []string{"echo", "close", "%IP%"}, StopAfter: 10 * time.Second}
	if !s.Do(a, src) {
		t.Fatal("Do refused")
	}
	r := next(t, ch)
	if r.Phase != PhaseStart || r.Err != nil || string(r.Result.Output) != "open 192.0.2.7\n" || r.IP != src {
		t.Fatalf("start report %+v", r)
	}
	timers := clock.waitTimers(t, 1)
	if timers[0].d != 10*time.Second || s.Pending() != 1 {
		t.Fatalf("stop scheduled after %v, pending %d", timers[0].d, s.Pending())
	}
	clock.fire(timers[0])
	r = next(t, ch)
	if r.Phase != PhaseStop || r.Err != nil || string(r.Result.Output) != "close 192.0.2.7\n" {
		t.Fatalf("stop report %+v", r)
	}
	if s.Pending() != 0 {
		t.Fatalf("pending %d after the stop ran", s.Pending())
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestSchedulerStopAfterFailedStart: like knockd, the stop command runs
// even when the start command failed or could not run.
func TestSchedulerStopAfterFailedStart(t *testing.T) {
	for _, start := range [][]string{{"false"}, {"uciknock-no-such-program"}} {
		clock := &fakeClock{}
		report, ch := reports()
		s := NewScheduler(&Runner{}, clock, report)
		s.Do(Action{Start: start, Stop: []string{"echo", "stop"}, StopAfter: time.Second}, src)
		if r := next(t, ch); r.Err == nil {
			t.Fatalf("%q: start report without error", start)
		}
		clock.fire(clock.waitTimers(t, 1)[0])
		if r := next(t, ch); r.Phase != PhaseStop || r.Err != nil {
			t.Fatalf("%q: stop report %+v", start, r)
		}
	}
}

func TestSchedulerNoStart(t *testing.T) {
	s := NewScheduler(&Runner{}, &fakeClock{}, nil)
	if s.Do(Action{Stop: []string{"echo"}}, src) {
		t.Fatal("an action without start command ran")
	}
}

// TestSchedulerFlush: at shutdown pending stops run at once, their timers
// are cancelled, new actions are refused.
func TestSchedulerFlush(t *testing.T) {
	clock := &fakeClock{}
	report, ch := reports()
	s := NewScheduler(&Runner{}, clock, report)
	a := Action{Start: []string{"true"}, Stop: []string{"echo", "bye", "%IP%"}, StopAfter: time.Hour}
	s.Do(a, src)
	next(t, ch)
	timers := clock.waitTimers(t, 1)
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := next(t, ch)
	if r.Phase != PhaseStop || string(r.Result.Output) != "bye 192.0.2.7\n" {
		t.Fatalf("flushed stop %+v", r)
	}
	if !timers[0].stopped {
		t.Fatal("timer of the flushed stop still armed")
	}
	clock.fire(timers[0]) // a late fire must not run it twice
	select {
	case r := <-ch:
		t.Fatalf("stop ran twice: %+v", r)
	case <-time.After(50 * time.Millisecond):
	}
	if s.Do(a, src) {
		t.Fatal("Do accepted after Flush")
	}
}

// TestSchedulerFlushDuringStart: a start still running at Flush gets its
// stop run right after it, and Flush waits for both.
func TestSchedulerFlushDuringStart(t *testing.T) {
	report, ch := reports()
	s := NewScheduler(&Runner{}, &fakeClock{}, report)
	s.Do(Action{Start: []string{"sleep", "0.3"}, Stop: []string{"echo", "stop"}, StopAfter: time.Hour}, src)
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := next(t, ch); r.Phase != PhaseStart {
		t.Fatalf("first report %+v", r)
	}
	if r := next(t, ch); r.Phase != PhaseStop || r.Err != nil {
		t.Fatalf("second report %+v", r)
	}
}

func TestSchedulerFlushTimeout(t *testing.T) {
	s := NewScheduler(&Runner{}, &fakeClock{}, nil)
	s.Do(Action{Start: []string{"sleep", "1"}}, src)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.Flush(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Flush = %v", err)
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestRealClock(t *testing.T) {
	done := make(chan struct{})
	stop := RealClock{}.AfterFunc(time.Millisecond, func() { close(done) })
	<-done
	if stop() {
		t.Fatal("stop reported cancelling a timer that fired")
	}
}

// TestSchedulerOneStopPerSource: a second completion of the same sequence
// from the same address replaces its waiting stop (which now comes
// StopAfter after the new start); other sequences and addresses keep
// their own.
func TestSchedulerOneStopPerSource(t *testing.T) {
	clock := &fakeClock{}
	report, ch := reports()
	s := NewScheduler(&Runner{}, clock, report)
	a := Action{Name: "knock.cmd", Start: []string{"true"}, Stop: []string{"echo", "stop", "%IP%"}, StopAfter: time.Hour}
	other := netip.MustParseAddr("192.0.2.8")
	s.Do(a, src)
	next(t, ch)
	clock.waitTimers(t, 1)
	s.Do(a, src)
	next(t, ch)
	timers := clock.waitTimers(t, 2)
	if !timers[0].stopped || s.Pending() != 1 {
		t.Fatalf("second completion: first stop cancelled %v, pending %d, want true, 1", timers[0].stopped, s.Pending())
	}
	s.Do(a, other)
	next(t, ch)
	b := a
	b.Name = "knock.other"
	s.Do(b, src)
	next(t, ch)
	clock.waitTimers(t, 4)
	if s.Pending() != 3 {
		t.Fatalf("pending %d, want 3 (one per sequence and address)", s.Pending())
	}
	clock.fire(timers[0]) // cancelled: runs nothing
	clock.fire(timers[1])
	if r := next(t, ch); r.Phase != PhaseStop || string(r.Result.Output) != "stop 192.0.2.7\n" {
		t.Fatalf("stop report %+v", r)
	}
	if s.Pending() != 2 || s.Running() != 0 {
		t.Fatalf("pending %d running %d after one stop ran, want 2, 0", s.Pending(), s.Running())
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	next(t, ch)
	next(t, ch)
	if s.Pending() != 0 {
		t.Fatalf("pending %d after Flush", s.Pending())
	}
}
