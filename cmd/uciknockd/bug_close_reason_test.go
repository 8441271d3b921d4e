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

// TestBugCloseReason: the log line of a door closed by `uciknockd close`
// must say why it closed. door.Keeper.Close takes no reason and
// pkg/door/flush.go always logs "closed by knock sequence", so the admin's
// close is logged as a knock (the demo shows it too).
func TestBugCloseReason(t *testing.T) {
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
	if !d.waitLogAfter(mark, 2*time.Second, "close", "rule="+rule, "section=") {
		t.Fatalf("no close line for %s", rule)
	}
	if l := d.findLog(mark, "rule="+rule, "section="); strings.Contains(l, "knock sequence") {
		t.Errorf("a door closed by `uciknockd close` is logged as closed by a knock: %s", l)
	}
	d.stop()
}
