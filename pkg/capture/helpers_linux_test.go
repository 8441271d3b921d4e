//go:build linux

package capture

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/netns"
	"github.com/uciknock/uciknock/internal/testenv"
	"github.com/uciknock/uciknock/pkg/knock"
)

// Addresses of the two test namespaces: srv runs the Listener, cli knocks.
var (
	srvAddr4 = netip.MustParseAddr("192.0.2.1")
	cliAddr4 = netip.MustParseAddr("192.0.2.2")
	srvAddr6 = netip.MustParseAddr("2001:db8::1")
	cliAddr6 = netip.MustParseAddr("2001:db8::2")
)

// waitTimeout bounds every wait for a packet or an event.
const waitTimeout = 5 * time.Second

type testNet struct {
	srv, cli *netns.NS
}

// link makes srv and cli namespaces joined by kind ("veth" or "tun") with
// eth0 on both sides, addressed.
func newTestNet(t testing.TB, kind string) *testNet {
	t.Helper()
	if testing.Short() {
		// -short is the big-endian run under qemu-user (scripts/mips-test.sh),
		// which does not translate netlink and AF_PACKET ring calls.
		t.Skip("privileged capture tests do not run under -short")
	}
	testenv.RequireRoot(t)
	n := &testNet{srv: netns.New(t, "srv"), cli: netns.New(t, "cli")}
	n.link(t, kind)
	return n
}

func (n *testNet) link(t testing.TB, kind string) {
	t.Helper()
	switch kind {
	case "veth":
		netns.Veth(t, n.srv, n.cli, "eth0", "eth0")
	case "tun":
		netns.TunPair(t, n.srv, n.cli, "eth0", "eth0")
	default:
		t.Fatalf("unknown link %q", kind)
	}
	n.srv.AddAddr("eth0", "192.0.2.1/24")
	n.cli.AddAddr("eth0", "192.0.2.2/24")
	n.srv.AddAddr("eth0", "2001:db8::1/64")
	n.cli.AddAddr("eth0", "2001:db8::2/64")
}

// capture runs a Listener in srv and collects what it delivers.
type capture struct {
	l      *Listener
	knocks chan knock.Knock
	events chan Event
	ticks  chan time.Time
}

func listen(t testing.TB, ns *netns.NS, ifname string, ports []Port, opts ...Option) *capture {
	t.Helper()
	c := listenStopped(t, ns, ifname, ports, opts...)
	c.start(t)
	return c
}

// listenStopped is listen without Run: the test starts it with start.
func listenStopped(t testing.TB, ns *netns.NS, ifname string, ports []Port, opts ...Option) *capture {
	t.Helper()
	c := &capture{knocks: make(chan knock.Knock, 1024), events: make(chan Event, 64), ticks: make(chan time.Time)}
	opts = append([]Option{WithEnter(ns.Do), WithTicks(c.ticks), WithEvents(func(e Event) {
		select {
		case c.events <- e:
		default:
		}
	})}, opts...)
	l, err := Listen(ifname, ports, opts...)
	if err != nil {
		t.Fatalf("Listen(%q): %v", ifname, err)
	}
	c.l = l
	return c
}

// start runs the Listener until the test ends.
func (c *capture) start(t testing.TB) {
	l := c.l
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := l.Run(ctx, func(k knock.Knock) { c.knocks <- k }); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		if err := l.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
}

// next waits for the next knock.
func (c *capture) next(t testing.TB) knock.Knock {
	t.Helper()
	select {
	case k := <-c.knocks:
		return k
	case <-time.After(waitTimeout):
		t.Fatalf("no knock within %v; stats %+v", waitTimeout, c.l.Stats())
	}
	return knock.Knock{}
}

// event waits for an event of the given kind, skipping others.
func (c *capture) event(t testing.TB, kind EventKind) Event {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		select {
		case e := <-c.events:
			if e.Kind == kind {
				return e
			}
		case <-deadline:
			t.Fatalf("no %s event within %v", kind, waitTimeout)
		}
	}
}

// tickUntil sends recheck ticks until an event of kind arrives.
func (c *capture) tickUntil(t testing.TB, kind EventKind) Event {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for time.Now().Before(deadline) {
		select {
		case c.ticks <- time.Now():
		case <-time.After(10 * time.Millisecond):
		}
		select {
		case e := <-c.events:
			if e.Kind == kind {
				return e
			}
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("no %s event within %v of ticks", kind, waitTimeout)
	return Event{}
}

// dialTCP makes cli's kernel send a SYN to dst:port (nothing listens: the
// server's kernel answers RST).
func dialTCP(t testing.TB, cli *netns.NS, dst netip.Addr, port uint16) {
	t.Helper()
	err := cli.Do(func() error {
		c, err := net.DialTimeout("tcp", netip.AddrPortFrom(dst, port).String(), 2*time.Second)
		if err == nil {
			c.Close()
		}
		return err
	})
	var opErr *net.OpError
	if err == nil || !errors.As(err, &opErr) {
		t.Fatalf("dial %s:%d: %v, want connection refused", dst, port, err)
	}
}

// sendUDP makes cli's kernel send one datagram to dst:port.
func sendUDP(t testing.TB, cli *netns.NS, dst netip.Addr, port uint16) {
	t.Helper()
	err := cli.Do(func() error {
		c, err := net.Dial("udp", netip.AddrPortFrom(dst, port).String())
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.Write([]byte("knock"))
		return err
	})
	if err != nil {
		t.Fatalf("udp to %s:%d: %v", dst, port, err)
	}
}
