//go:build linux

package capture

import (
	"context"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/netns"
	"github.com/uciknock/uciknock/pkg/knock"
)

var knockPorts = []Port{{Proto: knock.ProtoTCP, Port: 7000}, {Proto: knock.ProtoUDP, Port: 9000}}

// expect checks a knock's source, destination, protocol and port, and
// for TCP that the kernel's first segment was a bare SYN.
func expect(t *testing.T, got knock.Knock, src, dst netip.Addr, proto knock.Proto, port uint16) {
	t.Helper()
	if got.Src != src || got.Dst != dst || got.Proto != proto || got.Port != port {
		t.Errorf("knock %+v, want %s -> %s %d/%s", got, src, dst, port, proto)
	}
	if proto == knock.ProtoTCP && got.TCPFlags != knock.FlagSYN {
		t.Errorf("knock flags %#x, want SYN only", got.TCPFlags)
	}
	if got.Time.IsZero() {
		t.Error("knock has no time")
	}
}

// TestRealTraffic: kernel-generated SYNs and datagrams, IPv4 and IPv6,
// over Ethernet (veth) and over a link without link-layer header (tun),
// read through the ring and through the recvfrom fallback. Traffic to
// other ports must not show up: the final UDP knock proves nothing else
// was queued before it.
func TestRealTraffic(t *testing.T) {
	for _, kind := range []string{"veth", "tun"} {
		for _, mode := range []struct {
			name string
			opts []Option
		}{{"ring", nil}, {"recvfrom", []Option{WithoutRing()}}} {
			t.Run(kind+"/"+mode.name, func(t *testing.T) {
				n := newTestNet(t, kind)
				c := listen(t, n.srv, "eth0", knockPorts, mode.opts...)
				for _, fam := range []struct{ srv, cli netip.Addr }{{srvAddr4, cliAddr4}, {srvAddr6, cliAddr6}} {
					dialTCP(t, n.cli, fam.srv, 7001) // not a knock port
					sendUDP(t, n.cli, fam.srv, 7000) // knock port, wrong protocol
					dialTCP(t, n.cli, fam.srv, 7000)
					sendUDP(t, n.cli, fam.srv, 9000)
					expect(t, c.next(t), fam.cli, fam.srv, knock.ProtoTCP, 7000)
					expect(t, c.next(t), fam.cli, fam.srv, knock.ProtoUDP, 9000)
				}
				st := c.l.Stats()
				if st.Received != 4 || st.Knocks != 4 || st.Malformed != 0 || st.KernelDrops != 0 {
					t.Errorf("stats %+v, want 4 received and delivered, nothing dropped", st)
				}
			})
		}
	}
}

// TestSpoofedFloodToOtherPort: a bounded spoofed flood (sources in
// 198.18.0.0/15) to a port that is not a knock port never reaches
// userspace; neither do frames to another host's MAC or packets routed
// through us. A final knock marks the end.
func TestSpoofedFloodToOtherPort(t *testing.T) {
	n := newTestNet(t, "veth")
	c := listen(t, n.srv, "eth0", knockPorts)
	inj := n.cli.Injector("eth0", n.srv.MAC("eth0"))
	spoof := func(i int) netip.Addr {
		return netip.AddrFrom4([4]byte{198, 18 + byte(i>>16&1), byte(i >> 8), byte(i)})
	}
	const count = 20000
	sent, err := inj.Flood(count, 0, 5*time.Second, func(i int) []byte {
		return netns.Packet{Src: spoof(i), Dst: srvAddr4, Proto: netns.ProtoTCP, SrcPort: uint16(i), DstPort: 7001, TCPFlags: knock.FlagSYN}.Marshal()
	})
	if err != nil || sent == 0 {
		t.Fatalf("flood: sent %d: %v", sent, err)
	}
	// To a knock port but for another host's MAC (seen only in
	// promiscuous mode) and routed through us (destination not ours).
	other := n.cli.Injector("eth0", []byte{0x02, 0, 0, 0, 0, 0x99})
	pkt := netns.Packet{Src: spoof(1), Dst: srvAddr4, Proto: netns.ProtoTCP, SrcPort: 1, DstPort: 7000, TCPFlags: knock.FlagSYN}
	if err := other.Send(pkt.Marshal()); err != nil {
		t.Fatal(err)
	}
	pkt.Dst = netip.MustParseAddr("203.0.113.9")
	if err := inj.Send(pkt.Marshal()); err != nil {
		t.Fatal(err)
	}
	sendUDP(t, n.cli, srvAddr4, 9000)
	expect(t, c.next(t), cliAddr4, srvAddr4, knock.ProtoUDP, 9000)
	// The routed packet went out from another thread, maybe another
	// CPU's backlog: wait for it rather than assume it came first.
	st := c.l.Stats()
	for deadline := time.Now().Add(waitTimeout); st.NotLocal == 0 && time.Now().Before(deadline); st = c.l.Stats() {
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("flood of %d packets to a non-knock port; stats %+v", sent, st)
	if st.Received != 2 || st.NotLocal != 1 || st.Knocks != 1 {
		t.Errorf("stats %+v: want only the routed packet (not local) and the final knock in userspace", st)
	}
}

// TestInterfaceRecreated: the interface disappears and comes back with a
// new index (a PPPoE reconnect); capture resumes on the new one. Also
// covers Listen before the interface exists.
func TestInterfaceRecreated(t *testing.T) {
	n := newTestNet(t, "veth")
	c := listen(t, n.srv, "eth0", knockPorts)
	first := c.event(t, EventOpened)
	sendUDP(t, n.cli, srvAddr4, 9000)
	expect(t, c.next(t), cliAddr4, srvAddr4, knock.ProtoUDP, 9000)

	n.srv.IP("link", "del", "eth0")
	c.tickUntil(t, EventLost)
	c.tickUntil(t, EventWaiting)
	n.link(t, "veth")
	opened := c.tickUntil(t, EventOpened)
	if opened.Index == first.Index {
		t.Errorf("reopened on index %d, the old one", opened.Index)
	}
	dialTCP(t, n.cli, srvAddr4, 7000)
	expect(t, c.next(t), cliAddr4, srvAddr4, knock.ProtoTCP, 7000)

	// Link down and up, same index: the socket stays and resumes.
	n.srv.IP("link", "set", "eth0", "down")
	c.event(t, EventDown)
	n.srv.Up("eth0")
	c.tickUntil(t, EventUp)
	sendUDP(t, n.cli, srvAddr4, 9000)
	expect(t, c.next(t), cliAddr4, srvAddr4, knock.ProtoUDP, 9000)
	if st := c.l.Stats(); st.Reopens != 1 {
		t.Errorf("Reopens = %d, want 1", st.Reopens)
	}
}

// TestInterfaceRecreatedSameIndex: the interface is replaced by one with
// the same name and index while Run is not looking. The old socket is
// dead all the same (the kernel unbound it) and must be replaced.
func TestInterfaceRecreatedSameIndex(t *testing.T) {
	n := newTestNet(t, "veth")
	c := listenStopped(t, n.srv, "eth0", knockPorts)
	opened := c.event(t, EventOpened)
	n.srv.IP("link", "del", "eth0")
	n.srv.IP("link", "add", "eth0", "index", strconv.Itoa(opened.Index), "type", "veth", "peer", "name", "eth0", "netns", n.cli.Name)
	n.srv.Up("eth0")
	n.cli.Up("eth0")
	n.srv.AddAddr("eth0", "192.0.2.1/24")
	n.cli.AddAddr("eth0", "192.0.2.2/24")
	c.start(t)
	c.tickUntil(t, EventLost)
	if again := c.event(t, EventOpened); again.Index != opened.Index {
		t.Fatalf("re-created interface has index %d, want %d", again.Index, opened.Index)
	}
	dialTCP(t, n.cli, srvAddr4, 7000)
	expect(t, c.next(t), cliAddr4, srvAddr4, knock.ProtoTCP, 7000)
}

func TestListenBeforeInterfaceExists(t *testing.T) {
	n := newTestNet(t, "veth")
	c := listen(t, n.srv, "wan0", knockPorts)
	c.event(t, EventWaiting)
	netns.Veth(t, n.srv, n.cli, "wan0", "wan0")
	n.srv.AddAddr("wan0", "198.51.100.1/24")
	n.cli.AddAddr("wan0", "198.51.100.2/24")
	c.tickUntil(t, EventOpened)
	sendUDP(t, n.cli, netip.MustParseAddr("198.51.100.1"), 9000)
	expect(t, c.next(t), netip.MustParseAddr("198.51.100.2"), netip.MustParseAddr("198.51.100.1"), knock.ProtoUDP, 9000)
}

// TestSetPorts: after SetPorts, the old port no longer reaches userspace
// and the new one does.
func TestSetPorts(t *testing.T) {
	n := newTestNet(t, "veth")
	c := listen(t, n.srv, "eth0", knockPorts)
	if err := c.l.SetPorts([]Port{{Proto: knock.ProtoUDP, Port: 9100}}); err != nil {
		t.Fatal(err)
	}
	sendUDP(t, n.cli, srvAddr4, 9000)
	sendUDP(t, n.cli, srvAddr4, 9100)
	expect(t, c.next(t), cliAddr4, srvAddr4, knock.ProtoUDP, 9100)
	if st := c.l.Stats(); st.Received != 1 {
		t.Errorf("Received = %d, want 1", st.Received)
	}
	if err := c.l.SetPorts([]Port{{Proto: 1, Port: 1}}); err == nil {
		t.Error("SetPorts accepted protocol 1")
	}
}

// TestAllInterfacesBridge: on all interfaces, a knock crossing a bridge
// port and the bridge is delivered once.
func TestAllInterfacesBridge(t *testing.T) {
	n := newTestNet(t, "veth")
	n.srv.IP("addr", "flush", "dev", "eth0")
	n.srv.IP("link", "add", "br0", "type", "bridge")
	n.srv.IP("link", "set", "eth0", "master", "br0")
	n.srv.Up("br0")
	n.srv.AddAddr("br0", "192.0.2.1/24")
	c := listen(t, n.srv, "", knockPorts)
	for i := 0; i < 3; i++ {
		sendUDP(t, n.cli, srvAddr4, 9000)
	}
	dialTCP(t, n.cli, srvAddr4, 7000)
	for i := 0; i < 3; i++ {
		expect(t, c.next(t), cliAddr4, srvAddr4, knock.ProtoUDP, 9000)
	}
	expect(t, c.next(t), cliAddr4, srvAddr4, knock.ProtoTCP, 7000)
	st := c.l.Stats()
	t.Logf("stats %+v", st)
	if st.Knocks != 4 {
		t.Errorf("Knocks = %d, want 4", st.Knocks)
	}
}

// TestCloseStopsRun: Close makes Run return nil, and afterwards Run and
// SetPorts fail with ErrClosed.
func TestCloseStopsRun(t *testing.T) {
	n := newTestNet(t, "veth")
	l, err := Listen("eth0", knockPorts, WithEnter(n.srv.Do))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- l.Run(context.Background(), func(knock.Knock) {}) }()
	for deadline := time.Now().Add(waitTimeout); ; time.Sleep(time.Millisecond) {
		l.mu.Lock()
		running := l.running
		l.mu.Unlock()
		if running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Run did not start")
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after Close = %v, want nil", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("Run did not return after Close")
	}
	if err := l.Run(context.Background(), func(knock.Knock) {}); err != ErrClosed {
		t.Errorf("Run after Close = %v, want ErrClosed", err)
	}
	if err := l.SetPorts(knockPorts); err != ErrClosed {
		t.Errorf("SetPorts after Close = %v, want ErrClosed", err)
	}
}

// TestIngressRedirect: OpenWrt's SQM shapes incoming traffic by
// redirecting it to an ifb device at the ingress qdisc. Knocks must still
// arrive once, on the interface and on all interfaces.
func TestIngressRedirect(t *testing.T) {
	for _, ifname := range []string{"eth0", ""} {
		t.Run("interface "+ifname, func(t *testing.T) {
			n := newTestNet(t, "veth")
			n.srv.IP("link", "add", "ifb0", "type", "ifb")
			n.srv.Up("ifb0")
			for _, args := range [][]string{
				{"qdisc", "add", "dev", "eth0", "handle", "ffff:", "ingress"},
				{"filter", "add", "dev", "eth0", "parent", "ffff:", "u32", "match", "u32", "0", "0",
					"action", "mirred", "egress", "redirect", "dev", "ifb0"},
			} {
				if out, err := n.srv.Exec("tc", args...); err != nil {
					t.Fatalf("tc %v: %v %s", args, err, out)
				}
			}
			c := listen(t, n.srv, ifname, knockPorts)
			sendUDP(t, n.cli, srvAddr4, 9000)
			dialTCP(t, n.cli, srvAddr4, 7000)
			sendUDP(t, n.cli, srvAddr6, 9000)
			expect(t, c.next(t), cliAddr4, srvAddr4, knock.ProtoUDP, 9000)
			expect(t, c.next(t), cliAddr4, srvAddr4, knock.ProtoTCP, 7000)
			expect(t, c.next(t), cliAddr6, srvAddr6, knock.ProtoUDP, 9000)
			if st := c.l.Stats(); st.Received != 3 {
				t.Errorf("stats %+v, want each knock received once", st)
			}
			out, _ := n.srv.Exec("tc", "-s", "filter", "show", "dev", "eth0", "parent", "ffff:")
			if !strings.Contains(out, "Sent") || strings.Contains(out, "Sent 0 bytes") {
				t.Errorf("the redirect saw no traffic:\n%s", out)
			}
		})
	}
}

// TestRingFallback: when the ring cannot be set up, the Listener says so
// and reads with recvfrom.
func TestRingFallback(t *testing.T) {
	n := newTestNet(t, "veth")
	c := listen(t, n.srv, "eth0", knockPorts, WithRing(1000))
	if e := c.event(t, EventOpened); e.Ring || e.Err == nil {
		t.Errorf("EventOpened = %+v, want Ring false with the reason", e)
	}
	sendUDP(t, n.cli, srvAddr6, 9000)
	expect(t, c.next(t), cliAddr6, srvAddr6, knock.ProtoUDP, 9000)
}
