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

// TestE2EUnchangedHUPKeepsAttempts: procd sends SIGHUP on firewall and
// interface events too, with /etc/config/knock unchanged. Such a HUP must
// not rebuild the engine: a source half-way through its sequence still
// completes it.
func TestE2EUnchangedHUPKeepsAttempts(t *testing.T) {
	testenv.RequireRoot(t)
	t.Parallel()
	e := newEnv(t, false)
	e.writeConfig("", reloadOld)
	d := e.startDaemon()
	src := netip.MustParseAddr("192.0.2.33")
	if err := e.net.knock(src, netns.ProtoTCP, 7100, 7200); err != nil {
		t.Fatal(err)
	}
	mark := d.mark()
	d.signal(syscall.SIGHUP)
	if !d.waitLogAfter(mark, 5*time.Second, "configuration unchanged") {
		t.Fatal("no \"configuration unchanged\" log line after SIGHUP")
	}
	if err := e.net.knock(src, netns.ProtoTCP, 7300); err != nil {
		t.Fatal(err)
	}
	e.waitDoor("KnockA_192.0.2.33_22", true, 5*time.Second)
	d.stop()
}
