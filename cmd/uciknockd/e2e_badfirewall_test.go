//go:build linux

package main

import (
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/netns"
	"github.com/uciknock/uciknock/internal/testenv"
)

// TestE2EBrokenFirewallAtStart: a firewall config that does not parse at
// start is reported with file:line:col but is not fatal (procd would
// stop respawning); the daemon writes nothing into it, and once the file
// is repaired the door of a sequence completed meanwhile is written.
func TestE2EBrokenFirewallAtStart(t *testing.T) {
	testenv.RequireRoot(t)
	t.Parallel()
	e := newEnv(t, false)
	broken := []byte("config rule\n\toption name 'x\n")
	if err := os.WriteFile(e.firewall, broken, 0o644); err != nil {
		t.Fatal(err)
	}
	e.writeConfig("\toption batch_window '1ms'\n", restartSequences)
	d := e.startDaemon()
	if !d.waitLog(5*time.Second, e.firewall+":2:") {
		t.Fatalf("no log line names %s:2:", e.firewall)
	}
	if err := e.net.knock(netip.MustParseAddr("192.0.2.95"), netns.ProtoUDP, 7011, 7012); err != nil {
		t.Fatal(err)
	}
	if !d.waitLog(5*time.Second, "sequence completed", "src=192.0.2.95") {
		t.Fatal("the sequence did not complete")
	}
	if data, err := os.ReadFile(e.firewall); err != nil || string(data) != string(broken) {
		t.Fatalf("the unparsable firewall config was written to: %q, %v", data, err)
	}
	repaired := time.Now()
	if err := os.WriteFile(e.firewall, e.stock, 0o644); err != nil {
		t.Fatal(err)
	}
	e.waitDoor("Long_192.0.2.95_443", true, 10*time.Second)
	t.Logf("door written %v after the repair", time.Since(repaired).Round(time.Millisecond))
	d.stop()
}
