package daemon

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/pkg/knock"
)

// matcher feeds decoded knocks from every capture goroutine into the one
// knock engine and hands completed sequences to act. The engine is a pure
// state machine that is not safe for concurrent use, so the mutex
// serialises it; the critical section is the engine's Handle (no
// allocation, no I/O) plus queueing the actions, which never block. A
// one-time or TOTP use is stored after the lock is released, and its event
// acted on only once the store succeeded.
type matcher struct {
	mu     sync.Mutex     // guards eng, cfg, events, and Add/Wait on storing
	eng    *knock.Engine  // replaced on a successful reload
	cfg    *config.Config // the config eng was built from
	events []knock.Event  // reused buffer for Handle
	// storing counts uses being stored outside the lock; a rebuild waits
	// for them so the new engine loads every record the old one made.
	storing sync.WaitGroup

	// act is called for every completed sequence; unstored is the error
	// from storing its one-time/TOTP use (then it must not open anything).
	act func(cfg *config.Config, seq *config.Sequence, ev knock.Event, unstored error)

	knocks       atomic.Uint64 // knocks handed to the engine
	portsChanged chan struct{} // a completion changed the port set (one-time, TOTP)
}

func newMatcher(act func(*config.Config, *config.Sequence, knock.Event, error)) *matcher {
	return &matcher{act: act, events: make([]knock.Event, 0, 8), portsChanged: make(chan struct{}, 1)}
}

// swap installs a new engine and config (start-up and SIGHUP). In-progress
// attempts of the old engine are dropped, as with knockd's reload.
func (m *matcher) swap(cfg *config.Config, eng *knock.Engine) {
	m.mu.Lock()
	m.cfg, m.eng = cfg, eng
	m.mu.Unlock()
}

// config returns the running config.
func (m *matcher) config() *config.Config {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cfg
}

// rebuild builds a new engine with the lock held and installs it with
// cfg; on error the running engine stays.
func (m *matcher) rebuild(cfg *config.Config, build func() (*knock.Engine, error)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.storing.Wait()
	eng, err := build()
	if err != nil {
		return err
	}
	m.cfg, m.eng = cfg, eng
	return nil
}

// handle is the capture callback.
func (m *matcher) handle(k knock.Knock) {
	m.knocks.Add(1)
	m.mu.Lock()
	if m.eng == nil {
		m.mu.Unlock()
		return
	}
	cfg := m.cfg
	var used []knock.Event // rare: allocated only when a use must be stored
	m.events = m.eng.Handle(k, m.events[:0])
	for _, ev := range m.events {
		if ev.PortsChanged {
			select {
			case m.portsChanged <- struct{}{}:
			default:
			}
		}
		if ev.Use != nil {
			used = append(used, ev)
			continue
		}
		m.act(cfg, &cfg.Sequences[ev.Seq], ev, nil)
	}
	if len(used) > 0 {
		m.storing.Add(1)
		defer m.storing.Done()
	}
	m.mu.Unlock()
	for _, ev := range used {
		// Fail closed: the use is marked in memory either way, but an
		// event whose use is not durable is not acted on.
		m.act(cfg, &cfg.Sequences[ev.Seq], ev, ev.Use.Store())
	}
}

// ports returns the capture filter's port set at now, and when it changes
// next because of TOTP (zero: never).
func (m *matcher) ports(now time.Time) ([]knock.Port, time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.eng == nil {
		return nil, time.Time{}
	}
	return m.eng.Ports(now), m.eng.NextChange(now)
}

// expire frees timed-out attempts so the engine's stats stay exact.
func (m *matcher) expire(now time.Time) knock.Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.eng == nil {
		return knock.Stats{}
	}
	m.eng.Expire(now)
	return m.eng.Stats()
}

// sourceOf is the address a door admits: IPv4-mapped IPv6 sources are
// unmapped so that rule names and family match what the firewall sees.
func sourceOf(a netip.Addr) netip.Addr { return a.Unmap() }

// knockAddr is the address type of sources.
type knockAddr = netip.Addr
