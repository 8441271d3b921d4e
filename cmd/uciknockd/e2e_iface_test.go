//go:build linux

package main

import (
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/netns"
	"github.com/uciknock/uciknock/internal/testenv"
)

// TestE2EInterfaceComesAndGoes: the configured interface does not exist
// at start (a PPPoE WAN not up yet); knocks work once it appears, again
// after it is deleted and re-created (a reconnect gives it a new index),
// and after a SIGHUP that moves the capture to another interface.
func TestE2EInterfaceComesAndGoes(t *testing.T) {
	testenv.RequireRoot(t)
	t.Parallel()
	const late, lateClient = "ukr9", "ukc9"
	wan4 := netip.MustParseAddr("198.51.100.1")
	e := newEnv(t, false)
	e.ifaces = []string{late}
	e.writeConfig("\toption batch_window '1ms'\n", restartSequences)
	d := e.spawnDaemon()
	if !d.waitLog(5*time.Second, "capture:", late, "waiting") {
		t.Fatalf("no log line saying the capture waits for %s", late)
	}
	r, c := e.net.router, e.net.client
	knockLate := func(src string) {
		t.Helper()
		inj := c.Injector(lateClient, r.MAC(late))
		p := netns.Packet{Src: netip.MustParseAddr(src), Dst: wan4, Proto: netns.ProtoUDP, SrcPort: 40000}
		for _, port := range []uint16{7011, 7012} {
			p.DstPort = port
			if err := inj.Send(p.Marshal()); err != nil {
				t.Fatalf("knock on %s: %v", lateClient, err)
			}
		}
		e.waitDoor("Long_"+src+"_443", true, 5*time.Second)
	}
	link := func() {
		t.Helper()
		mark := d.mark()
		netns.Veth(t, r, c, late, lateClient)
		r.AddAddr(late, wan4.String()+"/24")
		if !d.waitLogAfter(mark, 5*time.Second, "capture:", late, "opened") {
			t.Fatalf("capture did not open %s within 5s of its creation", late)
		}
	}
	link()
	knockLate("198.51.100.7")

	r.IP("link", "del", late)
	link()
	knockLate("198.51.100.8")

	e.ifaces = nil // routerIf
	e.writeConfig("\toption batch_window '1ms'\n", restartSequences)
	mark := d.mark()
	d.signal(syscall.SIGHUP)
	if !d.waitLogAfter(mark, 5*time.Second, "capture:", routerIf, "opened") {
		t.Fatalf("after SIGHUP the capture did not move to %s", routerIf)
	}
	if err := e.net.knock(netip.MustParseAddr("192.0.2.75"), netns.ProtoUDP, 7011, 7012); err != nil {
		t.Fatal(err)
	}
	e.waitDoor("Long_192.0.2.75_443", true, 5*time.Second)
	d.stop()
}
