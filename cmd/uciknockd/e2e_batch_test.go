//go:build linux

package main

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/netns"
	"github.com/uciknock/uciknock/internal/testenv"
	"github.com/uciknock/uciknock/uci"
)

// TestE2EBatchWindowZero: batch_window '0' "writes every change at
// once" (docs/configuration.md): five opens 40ms apart are five writes
// and five reloads (at least four, allowing one coalesced pair); with the
// 100ms default they would be two. (Once a daemon bug: door.New replaced
// a zero window with its default.)
func TestE2EBatchWindowZero(t *testing.T) {
	testenv.RequireRoot(t)
	t.Parallel()
	e := newEnv(t, false)
	e.writeConfig("\toption batch_window '0'\n", restartSequences)
	d := e.startDaemon()
	// The reload every start does, first.
	reloads0 := e.waitReloads(1, 5*time.Second)
	for i := 0; i < 5; i++ {
		if i > 0 {
			time.Sleep(40 * time.Millisecond)
		}
		if err := e.net.knock(netip.AddrFrom4([4]byte{192, 0, 2, byte(40 + i)}), netns.ProtoUDP, 7011, 7012); err != nil {
			t.Fatal(err)
		}
	}
	e.waitDoors("the five doors", 5*time.Second, func(m map[string]*uci.Section) bool {
		for i := 0; i < 5; i++ {
			if m[fmt.Sprintf("Long_192.0.2.%d_443", 40+i)] == nil {
				return false
			}
		}
		return true
	})
	// Each reload follows its write: wait for them rather than count once.
	if n := e.waitReloads(reloads0+4, 5*time.Second) - reloads0; n < 4 {
		t.Errorf("batch_window '0': five opens 40ms apart made %d firewall reloads, want one each (at least 4)", n)
	}
	d.stop()
}
