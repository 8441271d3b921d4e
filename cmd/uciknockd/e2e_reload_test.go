//go:build linux

package main

import (
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/netns"
	"github.com/uciknock/uciknock/internal/testenv"
	"github.com/uciknock/uciknock/uci"
)

const (
	reloadOld = `
config sequence 'a'
	option name 'KnockA'
	option sequence '7100 7200 7300'
	option tcpflags 'syn'
	option dest_port '22'
	option timeout '60'
`
	reloadNew = `
config sequence 'b'
	option name 'KnockB'
	option sequence '7400:udp 7500:udp 7600:udp'
	option dest_port '23'
	option timeout '60'
`
)

// TestE2EReloadKeepsLastGoodConfig: SIGHUP with a broken
// /etc/config/knock (invalid, or not even UCI) keeps the running
// configuration, and the log says why with the UCI path or file:line;
// SIGHUP with a good one switches: the new sequence opens, the old one no
// longer does.
func TestE2EReloadKeepsLastGoodConfig(t *testing.T) {
	testenv.RequireRoot(t)
	t.Parallel()
	e := newEnv(t, false)
	e.writeConfig("", reloadOld)
	d := e.startDaemon()
	knockA := func(src string) {
		t.Helper()
		if err := e.net.knock(netip.MustParseAddr(src), netns.ProtoTCP, 7100, 7200, 7300); err != nil {
			t.Fatal(err)
		}
	}

	broken := []struct {
		name, sequences string
		log             []string // parts of the log line that says why
	}{
		{"invalid", "config sequence 'a'\n\toption name 'KnockA'\n\toption sequence '7100 70000'\n\toption dest_port '22'\n",
			[]string{"reload failed", "knock.a.sequence", "port 70000 out of range"}},
		{"not UCI", "config sequence 'a'\n\toption sequence '7100\n",
			[]string{"reload failed", e.config + ":8:", "unterminated"}},
	}
	for i, b := range broken {
		e.writeConfig("", b.sequences)
		mark := d.mark()
		d.signal(syscall.SIGHUP)
		if !d.waitLogAfter(mark, 5*time.Second, b.log...) {
			t.Fatalf("%s config: no log line with %q after SIGHUP", b.name, b.log)
		}
		src := []string{"192.0.2.30", "2001:db8::31"}[i]
		knockA(src)
		e.waitDoor("KnockA_"+src+"_22", true, 5*time.Second)
	}

	e.writeConfig("", reloadNew)
	mark := d.mark()
	d.signal(syscall.SIGHUP)
	if !d.waitLogAfter(mark, 5*time.Second, "configuration reloaded") {
		t.Fatal("good config: no \"configuration reloaded\" after SIGHUP")
	}
	// The old sequence first, then the new one: both pass the same
	// capture in order, so once the new door is in the file the old
	// sequence has been seen, and must not have opened anything.
	knockA("192.0.2.32")
	if err := e.net.knock(netip.MustParseAddr("192.0.2.33"), netns.ProtoUDP, 7400, 7500, 7600); err != nil {
		t.Fatal(err)
	}
	doors := e.waitDoors("KnockB_192.0.2.33_23 to open", 5*time.Second, func(m map[string]*uci.Section) bool {
		return m["KnockB_192.0.2.33_23"] != nil
	})
	if doors["KnockA_192.0.2.32_22"] != nil {
		t.Error("the old sequence still opens after a good reload")
	}
	d.stop()
}
