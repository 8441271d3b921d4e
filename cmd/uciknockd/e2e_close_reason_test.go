//go:build linux

package main

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/netns"
	"github.com/uciknock/uciknock/internal/testenv"
)

// TestE2ECloseReason: the log line of a door closed by `uciknockd close`
// says so, not "closed by knock sequence" (once a daemon bug: the
// keeper's Close took no reason).
func TestE2ECloseReason(t *testing.T) {
	testenv.RequireRoot(t)
	t.Parallel()
	e := newEnv(t, false)
	e.writeConfig("", restartSequences)
	d := e.startDaemon()
	const rule = "Long_192.0.2.60_443"
	if err := e.net.knock(netip.MustParseAddr("192.0.2.60"), netns.ProtoUDP, 7011, 7012); err != nil {
		t.Fatal(err)
	}
	e.waitDoor(rule, true, 5*time.Second)
	mark := d.mark()
	if out, errOut, code := e.cli("", "close", "--socket", e.socket, rule); code != 0 || !strings.HasPrefix(out, "ok:") {
		t.Fatalf("uciknockd close %s: exit %d, %q %q", rule, code, out, errOut)
	}
	e.waitDoor(rule, false, 5*time.Second)
	// The keeper's line (with the section), not the control socket's
	// "close requested".
	if !d.waitLogAfter(mark, 2*time.Second, "INF close rule="+rule, "section=") {
		t.Fatalf("no close line for %s:\n%s", rule, d.log())
	}
	if l := d.findLog(mark, "INF close rule="+rule, "section="); !strings.Contains(l, "uciknockd close") || strings.Contains(l, "knock sequence") {
		t.Errorf("a door closed by `uciknockd close` is logged as: %s", l)
	}
	d.stop()
}
