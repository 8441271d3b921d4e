//go:build linux

package main

import (
	"fmt"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/netns"
	"github.com/uciknock/uciknock/internal/testenv"
	"github.com/uciknock/uciknock/uci"
)

// adoptSequences: a door that expires soon, a long one, and its close.
const adoptSequences = restartSequences + `
config sequence 'long_close'
	option name 'Long'
	option sequence '7012:udp 7011:udp'
	option action 'close'
	option dest_port '443'
`

// TestE2ERestartAdoptsLiveDoors: doors opened by a daemon that was
// killed are adopted by the next one: a live door is kept, then closed at
// its expiry by the new daemon, and a close sequence closes a door the
// old daemon opened.
func TestE2ERestartAdoptsLiveDoors(t *testing.T) {
	testenv.RequireRoot(t)
	t.Parallel()
	e := newEnv(t, false)
	e.writeConfig("\toption batch_window '1ms'\n", strings.Replace(adoptSequences, "option timeout '2'", "option timeout '3'", 1))
	d := e.startDaemon()
	short, long := "Short_192.0.2.70_22", "Long_2001:db8::71_443"
	if err := e.net.knock(netip.MustParseAddr("192.0.2.70"), netns.ProtoUDP, 7001, 7002); err != nil {
		t.Fatal(err)
	}
	if err := e.net.knock(netip.MustParseAddr("2001:db8::71"), netns.ProtoUDP, 7011, 7012); err != nil {
		t.Fatal(err)
	}
	doors := e.waitDoors("both doors", 5*time.Second, func(m map[string]*uci.Section) bool { return m[short] != nil && m[long] != nil })
	expiry := expiresOf(t, doors[short])
	d.kill()

	d = e.startDaemon()
	if time.Now().Before(expiry) {
		p, _ := e.readFirewall()
		if doorSections(p)[short] == nil {
			t.Errorf("%s was removed by the restart before its expiry %v", short, expiry)
		}
	}
	e.waitDoor(short, false, time.Until(expiry)+3*time.Second)
	if !d.waitLog(time.Second, "expire", "rule="+short) {
		t.Errorf("no expire line for %s from the new daemon", short)
	}
	if err := e.net.knock(netip.MustParseAddr("2001:db8::71"), netns.ProtoUDP, 7012, 7011); err != nil {
		t.Fatal(err)
	}
	e.waitDoor(long, false, 5*time.Second)
	d.stop()
}

// TestE2ETermWritesPendingCloses: closes still waiting in the batch
// window when SIGTERM arrives are written (and the firewall reloaded)
// before the daemon exits; a close must not be lost to a stop.
func TestE2ETermWritesPendingCloses(t *testing.T) {
	testenv.RequireRoot(t)
	t.Parallel()
	e := newEnv(t, false)
	e.writeConfig("\toption batch_window '1s'\n", adoptSequences)
	d := e.startDaemon()
	const n = 10
	src := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{192, 0, 2, byte(80 + i)}) }
	for i := 0; i < n; i++ {
		if err := e.net.knock(src(i), netns.ProtoUDP, 7011, 7012); err != nil {
			t.Fatal(err)
		}
	}
	e.waitDoors("the doors", 5*time.Second, func(m map[string]*uci.Section) bool { return len(m) == n })
	mark := d.mark()
	reloads := e.reloadCount()
	for i := 0; i < n; i++ {
		if err := e.net.knock(src(i), netns.ProtoUDP, 7012, 7011); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < n; i++ {
		// Sources 192.0.2.80-89: no one's text is a prefix of another's.
		if !d.waitLogAfter(mark, 2*time.Second, "sequence completed", "action=close", fmt.Sprintf("src=%v", src(i))) {
			t.Fatalf("close sequence of %v not seen", src(i))
		}
	}
	d.signal(syscall.SIGTERM)
	if _, ok := d.wait(3 * time.Second); !ok {
		t.Fatal("no exit within 3s of SIGTERM")
	}
	p, _ := e.readFirewall()
	if left := doorSections(p); len(left) != 0 {
		t.Errorf("closes pending at SIGTERM were lost: %v still open", doorNames(left))
	}
	if e.reloadCount() == reloads {
		t.Error("the pending closes were written but the firewall was not reloaded")
	}
}
