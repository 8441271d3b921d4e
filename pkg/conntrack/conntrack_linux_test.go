package conntrack

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"os/exec"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/netns"
	"github.com/uciknock/uciknock/internal/testenv"
)

// requireNft skips without nft outside CI and fails under CI: conntrack
// only tracks in a namespace where some rule asks for it.
func requireNft(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("nft"); err != nil {
		if testenv.InCI() {
			t.Fatal("nft not found: install the Debian package nftables (conntrack tests need an nft ct rule)")
		}
		t.Skip("nft not found (Debian package nftables)")
	}
}

// pair is a server and a client namespace over veth, IPv4 and IPv6, with
// connection tracking switched on in the server by an nft ct rule.
type pair struct {
	srv, cli *netns.NS
}

func newPair(t testing.TB) pair {
	t.Helper()
	testenv.RequireRoot(t)
	requireNft(t)
	p := pair{srv: netns.New(t, "ct-srv"), cli: netns.New(t, "ct-cli")}
	netns.Veth(t, p.srv, p.cli, "eth0", "eth0")
	p.srv.AddAddr("eth0", "192.0.2.1/24")
	p.cli.AddAddr("eth0", "192.0.2.2/24")
	p.srv.AddAddr("eth0", "2001:db8::1/64")
	p.cli.AddAddr("eth0", "2001:db8::2/64")
	for _, cmd := range [][]string{
		{"add", "table", "inet", "t"},
		{"add", "chain", "inet", "t", "c", "{ type filter hook input priority 0; }"},
		{"add", "rule", "inet", "t", "c", "ct", "state", "established", "accept"},
	} {
		if out, err := p.srv.Exec("nft", cmd...); err != nil {
			t.Fatalf("nft %q: %v %s", cmd, err, out)
		}
	}
	return p
}

// listen opens a TCP listener in the server namespace that accepts and
// holds connections; closed at the end of the test.
func (p pair) listen(t *testing.T, addr string) {
	t.Helper()
	var ln net.Listener
	if err := p.srv.Do(func() (err error) { ln, err = net.Listen("tcp", addr); return err }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
			go func() { _, _ = io.Copy(c, c) }()
		}
	}()
}

// dial connects from the client namespace and exchanges one byte, so the
// connection is established in the server's conntrack table.
func (p pair) dial(t *testing.T, addr string) {
	t.Helper()
	var c net.Conn
	if err := p.cli.Do(func() (err error) { c, err = net.DialTimeout("tcp", addr, 3*time.Second); return err }); err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Write([]byte{1}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
}

// udp sends one datagram from the client to addr (nothing needs to
// listen: the entry is created on the way in).
func (p pair) udp(t *testing.T, addr string) {
	t.Helper()
	err := p.cli.Do(func() error {
		c, err := net.Dial("udp", addr)
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.Write([]byte("knock"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// in runs fn in the server namespace.
func (p pair) in(t *testing.T, fn func() error) {
	t.Helper()
	if err := p.srv.Do(fn); err != nil {
		t.Fatal(err)
	}
}

// count returns how many entries of src's family match src/proto/dport.
func (p pair) count(t *testing.T, src string, proto uint8, dport uint16) int {
	t.Helper()
	a := netip.MustParseAddr(src)
	n := 0
	p.in(t, func() error {
		entries, err := List(a)
		for _, e := range entries {
			if e.Src == a && e.Proto == proto && e.DstPort == dport {
				n++
			}
		}
		return err
	})
	return n
}

func (p pair) kill(t *testing.T, src, proto string, port uint16) int {
	t.Helper()
	var n int
	p.in(t, func() (err error) { n, err = Kill(netip.MustParseAddr(src), proto, port); return err })
	return n
}

func TestKillTCP(t *testing.T) {
	p := newPair(t)
	p.listen(t, "192.0.2.1:2222")
	p.listen(t, "192.0.2.1:2223")
	p.listen(t, "[2001:db8::1]:2222")
	p.dial(t, "192.0.2.1:2222")
	p.dial(t, "192.0.2.1:2222")
	p.dial(t, "192.0.2.1:2223")
	p.dial(t, "[2001:db8::1]:2222")

	if n := p.count(t, "192.0.2.2", 6, 2222); n != 2 {
		t.Fatalf("%d entries 192.0.2.2 -> :2222 before, want 2", n)
	}
	if n := p.kill(t, "198.51.100.9", "tcp", 2222); n != 0 {
		t.Fatalf("killed %d entries of another source", n)
	}
	if n := p.kill(t, "192.0.2.2", "udp", 2222); n != 0 {
		t.Fatalf("killed %d tcp entries asking for udp", n)
	}
	if n := p.kill(t, "192.0.2.2", "tcp", 2222); n != 2 {
		t.Fatalf("Kill deleted %d, want 2", n)
	}
	if n := p.count(t, "192.0.2.2", 6, 2222); n != 0 {
		t.Fatalf("%d entries left to :2222", n)
	}
	if n := p.count(t, "192.0.2.2", 6, 2223); n != 1 {
		t.Fatalf("the entry to another port is gone (%d left)", n)
	}
	if n := p.count(t, "2001:db8::2", 6, 2222); n != 1 {
		t.Fatalf("the IPv6 entry is gone (%d left)", n)
	}
	// IPv6, and an IPv4-mapped address meaning the IPv4 source.
	if n := p.kill(t, "2001:db8::2", "tcp", 2222); n != 1 {
		t.Fatalf("IPv6 Kill deleted %d, want 1", n)
	}
	if n := p.kill(t, "::ffff:192.0.2.2", "tcp udp", 2223); n != 1 {
		t.Fatalf("IPv4-mapped Kill deleted %d, want 1", n)
	}
	if n := p.kill(t, "192.0.2.2", "tcp", 2222); n != 0 {
		t.Fatalf("second Kill deleted %d", n)
	}
}

func TestKillUDP(t *testing.T) {
	p := newPair(t)
	p.udp(t, "192.0.2.1:5353")
	p.udp(t, "192.0.2.1:5354")
	p.udp(t, "[2001:db8::1]:5353")
	if n := p.count(t, "192.0.2.2", 17, 5353); n != 1 {
		t.Fatalf("%d UDP entries before, want 1", n)
	}
	var n int
	p.in(t, func() (err error) { n, err = Killer{}.Kill(netip.MustParseAddr("192.0.2.2"), "udp", 5353); return err })
	if n != 1 || p.count(t, "192.0.2.2", 17, 5353) != 0 || p.count(t, "192.0.2.2", 17, 5354) != 1 {
		t.Fatalf("UDP Kill deleted %d; entries left wrong", n)
	}
	if n := p.kill(t, "2001:db8::2", "udp", 5353); n != 1 {
		t.Fatalf("IPv6 UDP Kill deleted %d, want 1", n)
	}
}

func TestKillBadInput(t *testing.T) {
	for _, c := range []struct {
		src   netip.Addr
		proto string
	}{
		{netip.MustParseAddr("192.0.2.2"), "icmp"},
		{netip.MustParseAddr("192.0.2.2"), ""},
		{netip.MustParseAddr("192.0.2.2"), "tcp all"},
		{netip.Addr{}, "tcp"},
	} {
		if _, err := Kill(c.src, c.proto, 22); err == nil {
			t.Errorf("Kill(%v, %q) succeeded", c.src, c.proto)
		}
	}
}

// TestKillEmptyTable: a namespace where nothing is tracked gives 0, nil.
func TestKillEmptyTable(t *testing.T) {
	testenv.RequireRoot(t)
	ns := netns.New(t, "ct-empty")
	err := ns.Do(func() error {
		n, err := Kill(netip.MustParseAddr("192.0.2.2"), "tcp", 22)
		if err != nil || n != 0 {
			return errors.Join(err, errors.New("an empty table should give 0, nil"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestKillCutsSession is the reason the package exists: with a
// fw4-like policy (drop, except established flows and an open door),
// removing the door leaves an established session working until Kill
// deletes its entry; then the client's next packet is NEW and dropped.
// With the default nf_conntrack_tcp_loose=1 this holds when the router
// side has nothing unacknowledged (it would otherwise retransmit, be
// tracked anew from its side, and the client's answers would pass as
// established; see the package documentation); with loose=0 it holds
// always.
func TestKillCutsSession(t *testing.T) {
	for _, loose := range []string{"1", "0"} {
		t.Run("tcp_loose="+loose, func(t *testing.T) { cutSession(t, loose) })
	}
}

func cutSession(t *testing.T, loose string) {
	p := newPair(t)
	p.srv.Sysctl("net.netfilter.nf_conntrack_tcp_loose", loose)
	nft := func(args ...string) {
		t.Helper()
		if out, err := p.srv.Exec("nft", args...); err != nil {
			t.Fatalf("nft %q: %v %s", args, err, out)
		}
	}
	nft("flush", "table", "inet", "t")
	nft("add", "chain", "inet", "t", "in", "{ type filter hook input priority 0; policy drop; }")
	nft("add", "rule", "inet", "t", "in", "ct", "state", "established,related", "accept")
	nft("add", "rule", "inet", "t", "in", "tcp", "dport", "2222", "accept") // the door
	p.listen(t, "192.0.2.1:2222")
	var c net.Conn
	if err := p.cli.Do(func() (err error) { c, err = net.DialTimeout("tcp", "192.0.2.1:2222", 3*time.Second); return err }); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	echo := func(timeout time.Duration) error {
		_ = c.SetDeadline(time.Now().Add(timeout))
		if _, err := c.Write([]byte{7}); err != nil {
			return err
		}
		_, err := io.ReadFull(c, make([]byte, 1))
		return err
	}
	if err := echo(3 * time.Second); err != nil {
		t.Fatalf("through the open door: %v", err)
	}
	// Close the door: only established flows pass now.
	nft("flush", "chain", "inet", "t", "in")
	nft("add", "rule", "inet", "t", "in", "ct", "state", "established,related", "accept")
	if err := echo(3 * time.Second); err != nil {
		t.Fatalf("established session after the door closed: %v", err)
	}
	if loose == "1" {
		// Let the client's delayed ACK (at most 200 ms) reach the server,
		// so the server has nothing to retransmit.
		time.Sleep(500 * time.Millisecond)
	}
	if n := p.kill(t, "192.0.2.2", "tcp", 2222); n != 1 {
		t.Fatalf("Kill deleted %d, want 1", n)
	}
	var ne net.Error
	if err := echo(700 * time.Millisecond); !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("session still works after Kill (err %v)", err)
	}
}
