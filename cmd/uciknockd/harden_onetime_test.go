//go:build linux

package main

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/netns"
	"github.com/uciknock/uciknock/internal/testenv"
	"github.com/uciknock/uciknock/uci"
)

// oneTimeSequences: n one-time sequences, sequence k knocking UDP ports
// 7300+2k and 7301+2k.
func oneTimeSequences(n int) string {
	var b strings.Builder
	b.WriteString("\nconfig sequence 'otp'\n\toption name 'Once'\n\toption dest_port '22'\n")
	for k := 0; k < n; k++ {
		fmt.Fprintf(&b, "\tlist one_time_sequences '%d:udp %d:udp'\n", 7300+2*k, 7301+2*k)
	}
	return b.String()
}

func oneTimePorts(k int) []uint16 { return []uint16{uint16(7300 + 2*k), uint16(7301 + 2*k)} }

// TestHardenOneTimeAcrossKills: a one-time sequence that opened a door
// never opens another, even after the daemon is SIGKILLed right after
// using it and restarted: each round uses the next sequence, kills the
// daemon as soon as the door is in the file, restarts it, replays every
// used sequence from fresh sources (nothing may open) and then uses the
// next one.
func TestHardenOneTimeAcrossKills(t *testing.T) {
	testenv.RequireRoot(t)
	t.Parallel()
	const rounds = 6
	e := newEnv(t, false)
	e.writeConfig("\toption batch_window '1ms'\n", oneTimeSequences(rounds+1))
	user := func(k int) netip.Addr { return netip.AddrFrom4([4]byte{192, 0, 2, byte(100 + k)}) }
	d := e.startDaemon()
	use := func(k int) map[string]*uci.Section {
		t.Helper()
		if err := e.net.knock(user(k), netns.ProtoUDP, oneTimePorts(k)...); err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("Once_%v_22", user(k))
		return e.waitDoors(name+" to open", 5*time.Second, func(m map[string]*uci.Section) bool { return m[name] != nil })
	}
	use(0)
	for used := 1; used <= rounds; used++ {
		d.kill()
		d = e.startDaemon()
		// Replays first, then the next fresh sequence: once its door is
		// in the file, every replay has been seen.
		var replays []string
		for j := 0; j < used; j++ {
			src := netip.MustParseAddr(fmt.Sprintf("2001:db8::%x:%x", used, j+1))
			if err := e.net.knock(src, netns.ProtoUDP, oneTimePorts(j)...); err != nil {
				t.Fatal(err)
			}
			replays = append(replays, fmt.Sprintf("Once_%v_22", src))
		}
		doors := use(used)
		for _, r := range replays {
			if doors[r] != nil {
				t.Fatalf("after %d kills: a used one-time sequence opened %s", used, r)
			}
		}
	}
	d.stop()
}
