//go:build linux

package fastpath

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/netns"
	"github.com/uciknock/uciknock/pkg/door"
	"golang.org/x/sys/unix"
	"net/netip"
)

const testSets = `table inet fw4 {
	set uciknock_wan_in4 { type ipv4_addr . inet_proto . inet_service; flags timeout; }
	set uciknock_wan_in6 { type ipv6_addr . inet_proto . inet_service; flags timeout; }
	set uciknock_wan_shut4 { type ipv4_addr . inet_proto . inet_service; flags timeout; }
	set uciknock_wan_shut6 { type ipv6_addr . inet_proto . inet_service; flags timeout; }
	map uciknock_wan_dnat4 { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; flags timeout; }
	map uciknock_wan_dnat6 { type ipv6_addr . inet_proto . inet_service : ipv6_addr . inet_service; flags timeout; }
	set uciknock_wan_fwd4 { type ipv4_addr . inet_proto . ipv4_addr . inet_service; flags timeout; }
	set uciknock_wan_fwd6 { type ipv6_addr . inet_proto . ipv6_addr . inet_service; flags timeout; }
}`

func nft(t testing.TB, ns *netns.NS, script string) {
	t.Helper()
	cmd := exec.Command("ip", "netns", "exec", ns.Name, "nft", "-f", "-")
	cmd.Stdin = stringsReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nft: %v\n%s", err, out)
	}
}

// TestWatchResyncsRecreatedTable: the real kernel, in a fresh namespace.
func TestWatchResyncsRecreatedTable(t *testing.T) {
	ns := kernelTest(t)
	nft(t, ns, testSets)
	doors, w := watchIn(t, ns)
	resynced := make(chan int, 4)
	w.Resynced = func(n int, took time.Duration, err error) {
		t.Logf("resync: %d live in %v (%v)", n, took, err)
		resynced <- n
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- w.Run(ctx) }()
	d := door.Door{Kind: door.Rule, Prefix: "K", Src: netip.MustParseAddr("192.0.2.7"), Proto: "tcp", Port: 22, SrcZone: "wan",
		Expires: time.Now().Add(time.Hour)}
	if err := doors.Open(d); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	// A reload re-declares the sets (kernel set updates): the first
	// sighting of our sets counts as new, later same-handle ones not.
	nft(t, ns, "flush table inet fw4\n"+testSets)
	select {
	case <-resynced:
	case <-time.After(2 * time.Second):
		t.Fatal("first sighting of the sets: no resync")
	}
	nft(t, ns, "flush table inet fw4\n"+testSets)
	select {
	case n := <-resynced:
		t.Fatalf("a reload that kept the sets counted as re-created (%d)", n)
	case <-time.After(300 * time.Millisecond):
	}
	nft(t, ns, "delete table inet fw4\n"+testSets)
	select {
	case n := <-resynced:
		if n != 1 {
			t.Fatalf("%d live after resync", n)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no resync after the table was re-created")
	}
	out, _ := ns.Exec("nft", "list", "set", "inet", "fw4", "uciknock_wan_in4")
	if !contains(out, "192.0.2.7 . tcp . 22") {
		t.Fatalf("element not back:\n%s", out)
	}
	doors.Close(d)
	out, _ = ns.Exec("nft", "list", "set", "inet", "fw4", "uciknock_wan_in4")
	if contains(out, "192.0.2.7") {
		t.Fatalf("element still there after Close:\n%s", out)
	}
	// Cancelling the context ends Run, blocked in its read, at once.
	cancel()
	select {
	case err := <-ran:
		if err != nil {
			t.Fatalf("Run after cancel: %v", err)
		}
	case <-time.After(time.Second):
		t.Fatal("Run still reading a second after its context ended")
	}
}

// TestElementsAsNFTReadsThem: what we write is what nft lists, for every
// set kind and both families (the key layout equals nft's).
func TestElementsAsNFTReadsThem(t *testing.T) {
	ns := kernelTest(t)
	nft(t, ns, testSets)
	// The doors' clock stands still, so the kernel timeouts are exactly
	// what the doors ask for, however slowly a loaded machine runs this.
	now := time.Now()
	var doors *Doors
	if err := ns.Do(func() error {
		k, err := DialNFT()
		doors = New(Config{Kernel: k, Now: func() time.Time { return now }})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	exp := now.Add(time.Hour)
	ds := []door.Door{
		{Kind: door.Rule, Prefix: "A", Src: netip.MustParseAddr("2001:db8::7"), Proto: "tcp udp", Port: 22, SrcZone: "wan", Expires: exp},
		{Kind: door.Redirect, Prefix: "B", Src: netip.MustParseAddr("192.0.2.7"), Proto: "udp", Port: 2222, SrcZone: "wan",
			DestIP: netip.MustParseAddr("192.168.1.10"), DestPort: 22, Expires: exp},
		{Kind: door.Redirect, Prefix: "C", Src: netip.MustParseAddr("2001:db8::7"), Proto: "tcp", Port: 8443, SrcZone: "wan",
			DestIP: netip.MustParseAddr("2001:db8:1::10"), DestPort: 443},
	}
	for _, d := range ds {
		if err := doors.Open(d); err != nil {
			t.Fatal(err)
		}
	}
	out, _ := ns.Exec("nft", "list", "table", "inet", "fw4")
	for _, want := range []string{
		"2001:db8::7 . tcp . 22 timeout 1h", "2001:db8::7 . udp . 22 timeout 1h",
		"192.0.2.7 . udp . 2222 timeout 1h", ": 192.168.1.10 . 22",
		"192.0.2.7 . udp . 192.168.1.10 . 22 timeout 1h",
		"2001:db8::7 . tcp . 8443 : 2001:db8:1::10 . 443", "2001:db8::7 . tcp . 2001:db8:1::10 . 443",
	} {
		if !contains(out, want) {
			t.Errorf("nft does not list %q:\n%s", want, out)
		}
	}
	// A refresh moves the timeout; a close leaves only the shut element.
	d := ds[0]
	d.Expires = now.Add(2 * time.Hour)
	if err := doors.Open(d); err != nil {
		t.Fatal(err)
	}
	out, _ = ns.Exec("nft", "list", "set", "inet", "fw4", "uciknock_wan_in6")
	if !contains(out, "2001:db8::7 . tcp . 22 timeout 2h") {
		t.Errorf("timeout not moved:\n%s", out)
	}
	doors.Close(d)
	out, _ = ns.Exec("nft", "list", "table", "inet", "fw4")
	if contains(out, "2001:db8::7 . tcp . 22 timeout 2h") || !contains(out, "2001:db8::7 . udp . 22 timeout 10m") {
		t.Errorf("after close:\n%s", out)
	}
	doors.Reloaded(time.Now().Add(time.Second))
	out, _ = ns.Exec("nft", "list", "set", "inet", "fw4", "uciknock_wan_shut6")
	if contains(out, "2001:db8::7") {
		t.Errorf("shut element still there after the reload:\n%s", out)
	}
}

// TestWatchResyncsAfterLostNotifications: when notifications overflow
// the socket (the kernel says ENOBUFS), nothing tells what changed, so
// every live door is written again.
func TestWatchResyncsAfterLostNotifications(t *testing.T) {
	ns := kernelTest(t)
	nft(t, ns, testSets)
	doors, w := watchIn(t, ns)
	if err := w.rc.Control(func(fd uintptr) {
		_ = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, 0) // the kernel's minimum
	}); err != nil {
		t.Fatal(err)
	}
	d := door.Door{Kind: door.Rule, Prefix: "K", Src: netip.MustParseAddr("192.0.2.9"), Proto: "tcp", Port: 22, SrcZone: "wan",
		Expires: time.Now().Add(time.Hour)}
	if err := doors.Open(d); err != nil {
		t.Fatal(err)
	}
	// Notifications nobody reads yet: far more than the buffer holds.
	var script strings.Builder
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&script, "add element inet fw4 uciknock_wan_shut4 { 198.18.%d.%d . tcp . 22 timeout 1m }\n", i/250, i%250)
	}
	nft(t, ns, script.String())
	resynced := make(chan int, 4)
	w.Resynced = func(n int, took time.Duration, err error) {
		t.Logf("resync: %d live in %v (%v)", n, took, err)
		resynced <- n
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go w.Run(ctx)
	select {
	case n := <-resynced:
		if n != 1 {
			t.Fatalf("%d doors live after the resync, want 1", n)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("lost notifications: no resync")
	}
}

// watchIn opens Doors on the kernel of ns and a Watch of them.
func watchIn(t *testing.T, ns *netns.NS) (*Doors, *Watch) {
	t.Helper()
	var doors *Doors
	var w *Watch
	if err := ns.Do(func() error {
		k, err := DialNFT()
		if err != nil {
			return err
		}
		doors = New(Config{Kernel: k})
		w, err = NewWatch(doors)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return doors, w
}
