//go:build linux

package netns_test

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/netns"
	"github.com/uciknock/uciknock/internal/testenv"
)

// nsInode identifies the network namespace of the calling thread.
func nsInode(t *testing.T) string {
	t.Helper()
	s, err := os.Readlink("/proc/thread-self/ns/net")
	if err != nil {
		t.Fatalf("readlink: %v", err)
	}
	return s
}

func TestDoRunsInsideAndLeavesCallerOutside(t *testing.T) {
	testenv.RequireRoot(t)
	ns := netns.New(t, "do")
	var inside []net.Interface
	var insideNS string
	err := ns.Do(func() error {
		var err error
		inside, err = net.Interfaces()
		s, lerr := os.Readlink("/proc/thread-self/ns/net")
		insideNS = s
		return errors.Join(err, lerr)
	})
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if len(inside) != 1 || inside[0].Name != "lo" || inside[0].Flags&net.FlagUp == 0 {
		t.Errorf("interfaces in a fresh namespace = %v, want only lo, up", inside)
	}
	if outside := nsInode(t); outside == insideNS {
		t.Errorf("Do ran in the caller's namespace %s", outside)
	}
	want := errors.New("from fn")
	if err := ns.Do(func() error { return want }); err != want {
		t.Errorf("Do returned %v, want fn's error", err)
	}
}

// serve accepts one connection in ns on addr and reports the peer address.
func serve(t *testing.T, ns *netns.NS, addr string) <-chan string {
	t.Helper()
	var ln net.Listener
	err := ns.Do(func() error {
		var err error
		ln, err = net.Listen("tcp", addr)
		return err
	})
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	peer := make(chan string, 1)
	go func() {
		defer ln.Close()
		_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
		c, err := ln.Accept()
		if err != nil {
			peer <- err.Error()
			return
		}
		peer <- c.RemoteAddr().(*net.TCPAddr).IP.String()
		c.Close()
	}()
	return peer
}

func dial(ns *netns.NS, addr string) error {
	return ns.Do(func() error {
		c, err := net.DialTimeout("tcp", addr, 3*time.Second)
		if err != nil {
			return err
		}
		return c.Close()
	})
}

func TestLinks(t *testing.T) {
	testenv.RequireRoot(t)
	tests := []struct {
		name string
		link func(t *testing.T, a, b *netns.NS)
	}{
		{"veth", func(t *testing.T, a, b *netns.NS) { netns.Veth(t, a, b, "eth0", "eth0") }},
		{"tun", func(t *testing.T, a, b *netns.NS) { netns.TunPair(t, a, b, "eth0", "eth0") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, cli := netns.New(t, "srv"), netns.New(t, "cli")
			tt.link(t, srv, cli)
			srv.AddAddr("eth0", "192.0.2.1/24")
			cli.AddAddr("eth0", "192.0.2.2/24")
			srv.AddAddr("eth0", "2001:db8::1/64")
			cli.AddAddr("eth0", "2001:db8::2/64")
			if srv.Index("eth0") <= 1 {
				t.Errorf("Index(eth0) = %d, want > 1", srv.Index("eth0"))
			}
			for _, c := range []struct{ listen, dial, from string }{
				{"192.0.2.1:7001", "192.0.2.1:7001", "192.0.2.2"},
				{"[2001:db8::1]:7001", "[2001:db8::1]:7001", "2001:db8::2"},
			} {
				peer := serve(t, srv, c.listen)
				if err := dial(cli, c.dial); err != nil {
					t.Fatalf("dial %s: %v", c.dial, err)
				}
				if got := <-peer; got != c.from {
					t.Errorf("server saw peer %q, want %q", got, c.from)
				}
			}
			// Nothing listens on 7002: the server's kernel answers RST.
			if err := dial(cli, "192.0.2.1:7002"); !errors.Is(err, syscall.ECONNREFUSED) {
				t.Errorf("dial closed port: %v, want connection refused", err)
			}
		})
	}
}

func TestExecAndSysctl(t *testing.T) {
	testenv.RequireRoot(t)
	ns := netns.New(t, "sys")
	ns.Sysctl("net.ipv4.ip_forward", "1")
	out, err := ns.Exec("cat", "/proc/sys/net/ipv4/ip_forward")
	if err != nil || out != "1\n" {
		t.Errorf("ip_forward inside = %q, %v; want 1", out, err)
	}
	if _, err := ns.Exec("false"); err == nil {
		t.Error("Exec(false) returned no error")
	}
}

// The error-returning core works without a test: Create, RunIP, Batch,
// a Worker inside, and Delete, which also accepts a namespace already gone.
func TestCreateCore(t *testing.T) {
	testenv.RequireRoot(t)
	name, err := netns.Unique("core")
	if err != nil {
		t.Fatal(err)
	}
	ns, err := netns.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Delete()
	if err := ns.Batch([]string{"link add d0 type veth peer name d1", "addr add 192.0.2.9/24 dev d0", "link set d0 up"}); err != nil {
		t.Fatal(err)
	}
	if out, err := ns.RunIP("-o", "addr", "show", "dev", "d0"); err != nil || !strings.Contains(out, "192.0.2.9/24") {
		t.Fatalf("RunIP: %q, %v", out, err)
	}
	if _, err := ns.RunIP("link", "show", "nosuchdev"); err == nil || !strings.Contains(err.Error(), name) {
		t.Errorf("RunIP error %v does not name the namespace", err)
	}
	w, err := ns.NewWorker()
	if err != nil {
		t.Fatal(err)
	}
	var ifs []net.Interface
	if err := w.Do(func() error { var err error; ifs, err = net.Interfaces(); return err }); err != nil || len(ifs) != 3 { // lo, d0, d1
		t.Errorf("interfaces seen by the worker: %v, %v", ifs, err)
	}
	w.Stop()
	if err := ns.Delete(); err != nil {
		t.Fatal(err)
	}
	if err := ns.Delete(); err != nil {
		t.Errorf("second Delete: %v", err)
	}
	if _, err := netns.Create(name + "/x"); err == nil {
		t.Error("Create with a bad name succeeded")
	}
}

// Send does not allocate: knockbench floods at 200,000 frames/s through it.
func TestInjectorSendAllocatesNothing(t *testing.T) {
	testenv.RequireRoot(t)
	a, b := netns.New(t, "alloc-a"), netns.New(t, "alloc-b")
	netns.Veth(t, a, b, "eth0", "eth0")
	inj := a.Injector("eth0", b.MAC("eth0"))
	pkt := netns.Packet{Src: netip.MustParseAddr("192.0.2.7"), Dst: netip.MustParseAddr("192.0.2.1"), Proto: netns.ProtoUDP, DstPort: 9}.Marshal()
	if n := testing.AllocsPerRun(100, func() { _ = inj.Send(pkt) }); n != 0 {
		t.Errorf("Send: %v allocations", n)
	}
}
