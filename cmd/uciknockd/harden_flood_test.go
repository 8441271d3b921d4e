//go:build linux

package main

import (
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/netns"
	"github.com/uciknock/uciknock/internal/testenv"
	"github.com/uciknock/uciknock/uci"
)

const floodSequences = `
config sequence 'ssh_open'
	option name 'KnockSSH'
	option sequence '7000 8000 9000'
	option tcpflags 'syn'
	option seq_timeout '5'
	option dest_port '22'
	option timeout '60'

config sequence 'ssh_close'
	option name 'KnockSSH'
	option sequence '9000 8000 7000'
	option tcpflags 'syn'
	option seq_timeout '5'
	option action 'close'
	option dest_port '22'
`

// spoofedFlood builds the flood's packets: TCP SYNs from every address of
// 198.18.0.0/15. A third of the sources only knock the first port; a
// third knock 8000 and 9000 but never 7000; a third knock 7000 and 9000
// but never 8000 — so none can complete 7000 8000 9000 (or the close
// sequence 9000 8000 7000) whatever order the packets arrive in.
func spoofedFlood() [][]byte {
	const sources = 1 << 17
	pkts := make([][]byte, 0, 2*sources)
	for i := 0; i < sources; i++ {
		src := netip.AddrFrom4([4]byte{198, 18 + byte(i>>16), byte(i >> 8), byte(i)})
		var ports []uint16
		switch i % 3 {
		case 0:
			ports = []uint16{7000, 7000}
		case 1:
			ports = []uint16{9000, 8000}
		case 2:
			ports = []uint16{7000, 9000}
		}
		for _, port := range ports {
			pkts = append(pkts, netns.Packet{Src: src, Dst: router4, Proto: netns.ProtoTCP,
				SrcPort: uint16(1024 + i%60000), DstPort: port, TCPFlags: tcpSYN}.Marshal())
		}
	}
	return pkts
}

// halfSequences builds a flood in which every address of 198.18.0.0/15
// knocks 7000 then 8000 (two of the three knocks, in order) and never
// 9000: the tracked-source table fills with sources as advanced as a
// legitimate one halfway through, the eviction policy's hardest case.
func halfSequences() [][]byte {
	const sources = 1 << 17
	pkts := make([][]byte, 0, 2*sources)
	for i := 0; i < sources; i++ {
		src := netip.AddrFrom4([4]byte{198, 18 + byte(i>>16), byte(i >> 8), byte(i)})
		for _, port := range []uint16{7000, 8000} {
			pkts = append(pkts, netns.Packet{Src: src, Dst: router4, Proto: netns.ProtoTCP,
				SrcPort: uint16(1024 + i%60000), DstPort: port, TCPFlags: tcpSYN}.Marshal())
		}
	}
	return pkts
}

// TestHardenSpoofedFlood: under bounded floods of spoofed SYNs (at most
// 300,000 packets, 75,000/s, 4 s) — to the first knock port and other
// knock ports in orders that never complete, or two knocks of three from
// every source — the legitimate client's sequences still open its doors,
// IPv4 and IPv6, no spoofed source ever opens one, and afterwards the
// daemon still works (the close sequence closes).
func TestHardenSpoofedFlood(t *testing.T) {
	testenv.RequireRoot(t)
	floods := []struct {
		name       string
		pkts       func() [][]byte
		pick       func(i, n int) int // packet index for the i-th send
		count, pps int
	}{
		{"first knock port", spoofedFlood, func(i, n int) int { return (i * 7919) % n }, 200_000, 50_000},
		{"half sequences", halfSequences, func(i, n int) int { return i % n }, 300_000, 75_000},
	}
	for _, f := range floods {
		t.Run(f.name, func(t *testing.T) {
			pkts := f.pkts()
			floodOnce(t, f.count, f.pps, func(i int) []byte { return pkts[f.pick(i, len(pkts))] })
		})
	}
}

// floodOnce runs one flood against a fresh daemon while the client
// knocks, and checks the doors.
func floodOnce(t *testing.T, count, pps int, gen func(i int) []byte) {
	t.Helper()
	e := newEnv(t, false)
	e.writeConfig("", floodSequences)
	d := e.startDaemon()
	flooder := e.net.client.Injector(clientIf, e.net.router.MAC(routerIf))
	var flooding atomic.Bool
	flooding.Store(true)
	type result struct {
		sent int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		defer flooding.Store(false)
		n, err := flooder.Flood(count, pps, 4*time.Second, gen)
		done <- result{n, err}
	}()
	time.Sleep(300 * time.Millisecond)

	legit := []string{"KnockSSH_192.0.2.7_22", "KnockSSH_2001:db8::7_22"}
	e.knockClient("-d", "20", router4.String(), "7000", "8000", "9000")
	e.waitDoor(legit[0], true, 5*time.Second)
	e.knockClient("-6", "-d", "20", router6.String(), "7000", "8000", "9000")
	e.waitDoor(legit[1], true, 5*time.Second)
	if !flooding.Load() {
		t.Error("the flood ended before the legitimate doors opened: they were not tested under the flood")
	}
	res := <-done
	if res.err != nil {
		t.Fatalf("flood: %v", res.err)
	}
	t.Logf("flood: %d spoofed packets accepted by the kernel", res.sent)
	if res.sent < 10_000 {
		t.Errorf("flood: only %d packets sent", res.sent)
	}

	p, _ := e.readFirewall()
	for name, s := range doorSections(p) {
		if name != legit[0] && name != legit[1] {
			t.Errorf("a door for someone else: %s (src_ip %s)", name, optionValue(s, "src_ip"))
		}
	}
	if l := d.findLog(0, "sequence completed", "src=198.1"); l != "" {
		t.Errorf("a spoofed source completed a sequence: %s", l)
	}
	// Still working after the flood.
	e.knockClient("-d", "20", router4.String(), "9000", "8000", "7000")
	e.waitDoors(legit[0]+" to close", 5*time.Second, func(m map[string]*uci.Section) bool { return m[legit[0]] == nil })
	d.stop()
	if l := d.findLog(0, "capture stopped"); l != "" {
		t.Logf("daemon: %s", strings.TrimSpace(l))
	}
}
