//go:build linux

package main

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/netns"
	"github.com/uciknock/uciknock/internal/testenv"
)

// TestE2EBatchWindowZero: with batch_window '0' the daemon runs and each
// open knocked while the keeper is idle gets its own write and reload.
// Whether the window really is zero is checked without timing by
// TestBatchWindowZeroIsNoBatch and door's TestNoBatchWritesAtOnce: five
// opens 40ms apart made five reloads only on an idle machine (on a busy
// one a slow reload rightly made later opens share the next).
func TestE2EBatchWindowZero(t *testing.T) {
	testenv.RequireRoot(t)
	t.Parallel()
	e := newEnv(t, false)
	e.writeConfig("\toption batch_window '0'\n", restartSequences)
	d := e.startDaemon()
	reloads0 := e.waitReloads(1, 5*time.Second) // the reload every start does
	for i := 0; i < 5; i++ {
		src := netip.AddrFrom4([4]byte{192, 0, 2, byte(40 + i)})
		if err := e.net.knock(src, netns.ProtoUDP, 7011, 7012); err != nil {
			t.Fatal(err)
		}
		e.waitDoor(fmt.Sprintf("Long_%v_443", src), true, 5*time.Second)
		if n := e.waitReloads(reloads0+i+1, 5*time.Second) - reloads0; n != i+1 {
			t.Fatalf("open %d: %d firewall reloads since start, want %d", i, n, i+1)
		}
	}
	d.stop()
}
