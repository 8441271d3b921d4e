//go:build linux

package netns_test

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/netns"
	"github.com/uciknock/uciknock/internal/testenv"
)

// TestInjectorDeliversValidPackets: packets built by Packet and written
// by an Injector pass the receiving kernel's checksum checks and reach a
// UDP socket, IPv4 and IPv6, over veth and over tun; the flood stays
// within its count.
func TestInjectorDeliversValidPackets(t *testing.T) {
	testenv.RequireRoot(t)
	for _, kind := range []string{"veth", "tun"} {
		t.Run(kind, func(t *testing.T) {
			srv, cli := netns.New(t, "srv"), netns.New(t, "cli")
			var mac net.HardwareAddr
			if kind == "veth" {
				netns.Veth(t, srv, cli, "eth0", "eth0")
				mac = srv.MAC("eth0")
			} else {
				netns.TunPair(t, srv, cli, "eth0", "eth0")
			}
			srv.AddAddr("eth0", "192.0.2.1/24")
			srv.AddAddr("eth0", "2001:db8::1/64")
			cli.AddAddr("eth0", "2001:db8::2/64")
			inj := cli.Injector("eth0", mac)
			for _, c := range []struct{ src, dst string }{
				{"192.0.2.77", "192.0.2.1"},
				{"2001:db8::77", "2001:db8::1"},
			} {
				var conn *net.UDPConn
				err := srv.Do(func() error {
					var err error
					conn, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr(c.dst), 5300)))
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				p := netns.Packet{Src: netip.MustParseAddr(c.src), Dst: netip.MustParseAddr(c.dst), Proto: netns.ProtoUDP,
					SrcPort: 4444, DstPort: 5300, Payload: []byte("hello")}
				sent, err := inj.Flood(3, 1000, time.Second, func(int) []byte { return p.Marshal() })
				if err != nil || sent != 3 {
					t.Fatalf("Flood: sent %d, %v", sent, err)
				}
				_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
				for i := 0; i < 3; i++ {
					buf := make([]byte, 64)
					n, from, err := conn.ReadFromUDPAddrPort(buf)
					if err != nil {
						t.Fatalf("%s: datagram %d: %v", c.src, i, err)
					}
					if string(buf[:n]) != "hello" || from.Addr().String() != c.src || from.Port() != 4444 {
						t.Errorf("got %q from %v", buf[:n], from)
					}
				}
				conn.Close()
			}
		})
	}
}

func TestPacketLayout(t *testing.T) {
	p := netns.Packet{Src: netip.MustParseAddr("198.18.0.1"), Dst: netip.MustParseAddr("192.0.2.1"), Proto: netns.ProtoTCP,
		SrcPort: 1, DstPort: 7000, TCPFlags: 0x12, IPv4Options: make([]byte, 8), FragOffset: 0, MoreFragments: true}
	b := p.Marshal()
	if len(b) != 28+20 || b[0] != 0x47 || b[6] != 0x20 || b[28+13] != 0x12 {
		t.Errorf("IPv4 packet % x", b)
	}
	p6 := netns.Packet{Src: netip.MustParseAddr("2001:db8::2"), Dst: netip.MustParseAddr("2001:db8::1"), Proto: netns.ProtoUDP,
		DstPort: 9000, Ext: []netns.Ext{{Type: 0, Len: 8}, {Type: 44}}, FragOffset: 2}
	b = p6.Marshal()
	if len(b) != 40+8+8+8 || b[6] != 0 || b[40] != 44 || b[48] != netns.ProtoUDP || b[48+2] != 0 || b[48+3] != 2<<3 {
		t.Errorf("IPv6 packet % x", b)
	}
}
