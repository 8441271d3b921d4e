package daemon

import (
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/pkg/knock"
)

// gateStore is a Consumed whose Store blocks until released.
type gateStore struct {
	entered chan struct{}
	release chan error
}

func (g *gateStore) Load() ([]string, error) { return nil, nil }
func (g *gateStore) Store([]string) error {
	g.entered <- struct{}{}
	return <-g.release
}

type acted struct {
	name string
	err  error
}

// newTestMatcher: sequence 0 is one-time (knock 1001/udp) with store st,
// sequence 1 a plain one (knock 2001/udp).
func newTestMatcher(t *testing.T, st knock.Consumed) (*matcher, chan acted) {
	t.Helper()
	steps := func(p uint16) []knock.Step { return []knock.Step{{Port: p, Proto: knock.ProtoUDP}} }
	eng, err := knock.New(knock.Config{Sequences: []knock.Sequence{
		{Name: "once", OneTime: [][]knock.Step{steps(1001), steps(1002)}, Consumed: st},
		{Name: "plain", Steps: steps(2001)},
	}, Capacity: 8})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan acted, 8)
	m := newMatcher(func(_ *config.Config, seq *config.Sequence, _ knock.Event, unstored error) {
		got <- acted{seq.Name, unstored}
	})
	m.swap(&config.Config{Sequences: []config.Sequence{{Name: "once"}, {Name: "plain"}}}, eng)
	return m, got
}

func udpKnock(src string, port uint16) knock.Knock {
	return knock.Knock{Src: netip.MustParseAddr(src), Dst: netip.MustParseAddr("192.0.2.1"), Proto: knock.ProtoUDP, Port: port, Time: time.Now()}
}

func waitActed(t *testing.T, got chan acted) acted {
	t.Helper()
	select {
	case a := <-got:
		return a
	case <-time.After(5 * time.Second):
		t.Fatal("no action within 5s")
		return acted{}
	}
}

// Storing a one-time use happens outside the matcher's lock (other knocks
// go on being matched meanwhile), and the event is acted on only after
// the store returned (issue 11 item 3).
func TestMatcherStoresOutsideLock(t *testing.T) {
	st := &gateStore{entered: make(chan struct{}), release: make(chan error)}
	m, got := newTestMatcher(t, st)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); m.handle(udpKnock("192.0.2.7", 1001)) }()
	select {
	case <-st.entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the use was never stored")
	}
	// The store is in progress: another source's knock is matched and
	// acted on, and the one-time event is not acted on yet.
	done := make(chan struct{})
	go func() { m.handle(udpKnock("192.0.2.8", 2001)); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a knock waited for the store: I/O under the matcher lock")
	}
	if a := waitActed(t, got); a.name != "plain" {
		t.Fatalf("acted on %q before its use was stored", a.name)
	}
	st.release <- nil
	if a := waitActed(t, got); a.name != "once" || a.err != nil {
		t.Errorf("after the store: %+v", a)
	}
	wg.Wait()
}

// A failed store reaches act as an error (the actor then opens nothing),
// and the used sequence stays used in memory.
func TestMatcherStoreFailure(t *testing.T) {
	st := &gateStore{entered: make(chan struct{}, 1), release: make(chan error, 1)}
	st.release <- errors.New("disk full")
	m, got := newTestMatcher(t, st)
	m.handle(udpKnock("192.0.2.7", 1001))
	if a := waitActed(t, got); a.name != "once" || a.err == nil {
		t.Fatalf("acted %+v, want the store error", a)
	}
	m.handle(udpKnock("192.0.2.8", 1001))
	select {
	case a := <-got:
		t.Errorf("replay acted on: %+v", a)
	default:
	}
}

// A rebuild waits for stores in progress, so the new engine loads the
// record the old one made.
func TestMatcherRebuildWaitsForStores(t *testing.T) {
	st := &gateStore{entered: make(chan struct{}), release: make(chan error)}
	m, got := newTestMatcher(t, st)
	go m.handle(udpKnock("192.0.2.7", 1001))
	<-st.entered
	rebuilt := make(chan struct{})
	go func() {
		_ = m.rebuild(m.config(), func() (*knock.Engine, error) { close(rebuilt); return nil, errors.New("keep") })
	}()
	select {
	case <-rebuilt:
		t.Fatal("rebuild ran while a use was being stored")
	case <-time.After(50 * time.Millisecond):
	}
	st.release <- nil
	waitActed(t, got)
	select {
	case <-rebuilt:
	case <-time.After(5 * time.Second):
		t.Fatal("rebuild never ran")
	}
}
