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

// TestE2EBridgeAndItsPort: with a bridge and one of its ports both listed
// as capture interfaces, every knock is seen on both; counted twice, the
// engine saw each step repeated and no sequence ever completed. The
// listeners share one dedup, so the door opens.
func TestE2EBridgeAndItsPort(t *testing.T) {
	testenv.RequireRoot(t)
	t.Parallel()
	const bridge = "ukbr0"
	e := newEnv(t, false)
	r := e.net.router
	r.IP("addr", "flush", "dev", routerIf)
	r.IP("link", "add", bridge, "type", "bridge")
	r.IP("link", "set", routerIf, "master", bridge)
	r.Up(bridge)
	r.AddAddr(bridge, router4.String()+"/24")
	inj := e.net.client.Injector(clientIf, r.MAC(bridge))
	e.ifaces = []string{bridge, routerIf}
	e.writeConfig("\toption batch_window '1ms'\n", lifecycleSequences) // three steps: a repeated step resets
	d := e.spawnDaemon()
	for _, dev := range e.ifaces {
		if !d.waitLog(5*time.Second, "capture:", dev, "opened") {
			t.Fatalf("capture on %s did not open", dev)
		}
	}
	src := netip.MustParseAddr("192.0.2.7")
	// Knocks spaced as a person's client spaces them (uciknock -d), so
	// that each listener hands over its copy before the next knock.
	for i, port := range []uint16{7000, 8000, 9000} {
		if i > 0 {
			time.Sleep(100 * time.Millisecond)
		}
		p := netns.Packet{Src: src, Dst: router4, Proto: netns.ProtoTCP, SrcPort: 40000 + uint16(i), DstPort: port, TCPFlags: tcpSYN}
		if err := inj.Send(p.Marshal()); err != nil {
			t.Fatal(err)
		}
	}
	e.waitDoor("KnockSSH_192.0.2.7_22", true, 5*time.Second)
	d.stop()
	if n := strings.Count(d.log(), "sequence completed action="); n != 1 {
		t.Errorf("the sequence completed %d times for one knock sequence, want 1", n)
	}
}
