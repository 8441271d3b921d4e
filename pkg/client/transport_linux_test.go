package client

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/netns"
	"github.com/uciknock/uciknock/internal/testenv"
)

// loopbacks are the hosts the real-socket tests knock; both are always
// present in a network namespace, the test's own or a fresh one.
var loopbacks = []string{"127.0.0.1", "::1"}

func realKnocker() *Knocker {
	return &Knocker{Transport: SystemTransport{}, Resolver: net.DefaultResolver, Clock: SystemClock{}}
}

func knockN(t *testing.T, host string, hits ...Hit) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d := &Door{Host: host, Hits: hits, Delay: time.Millisecond}
	if err := realKnocker().Knock(ctx, d); err != nil {
		t.Fatalf("Knock: %v", err)
	}
}

// skipWithoutIPv6 skips an IPv6 host when the machine has no IPv6
// loopback (IPv6 disabled).
func skipWithoutIPv6(t *testing.T, host string) {
	t.Helper()
	if strings.Contains(host, ":") {
		l, err := net.Listen("tcp", "[::1]:0")
		if err != nil {
			t.Skipf("no IPv6 loopback: %v", err)
		}
		l.Close()
	}
}

func TestRealUDPKnock(t *testing.T) {
	for _, host := range loopbacks {
		t.Run(host, func(t *testing.T) {
			skipWithoutIPv6(t, host)
			pc, err := net.ListenPacket("udp", net.JoinHostPort(host, "0"))
			if err != nil {
				t.Fatal(err)
			}
			defer pc.Close()
			port := uint16(pc.LocalAddr().(*net.UDPAddr).Port)
			const n = 3
			knockN(t, host, Hit{Port: port, Proto: UDP}, Hit{Port: port, Proto: UDP}, Hit{Port: port, Proto: UDP})
			srcPorts := map[int]bool{}
			buf := make([]byte, 64)
			for i := 0; i < n; i++ {
				pc.SetReadDeadline(time.Now().Add(2 * time.Second))
				m, from, err := pc.ReadFrom(buf)
				if err != nil {
					t.Fatalf("datagram %d: %v", i+1, err)
				}
				if m != 1 || buf[0] != 0 {
					t.Errorf("datagram %d = %q, want one NUL byte (as knock sends)", i+1, buf[:m])
				}
				srcPorts[from.(*net.UDPAddr).Port] = true
			}
			if len(srcPorts) != n {
				t.Errorf("source ports %v: want a fresh socket (port) per knock", srcPorts)
			}
		})
	}
}

func TestRealTCPKnockOpenPort(t *testing.T) {
	for _, host := range loopbacks {
		t.Run(host, func(t *testing.T) {
			skipWithoutIPv6(t, host)
			l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			port := uint16(l.Addr().(*net.TCPAddr).Port)
			const n = 3
			knockN(t, host, Hit{Port: port, Proto: TCP}, Hit{Port: port, Proto: TCP}, Hit{Port: port, Proto: TCP})
			for i := 0; i < n; i++ {
				l.(*net.TCPListener).SetDeadline(time.Now().Add(2 * time.Second))
				c, err := l.Accept()
				if err != nil {
					t.Fatalf("connection %d: %v", i+1, err)
				}
				// The knocker closed at once: no data, just FIN or RST.
				c.SetReadDeadline(time.Now().Add(2 * time.Second))
				m, err := c.Read(make([]byte, 16))
				c.Close()
				if m != 0 || !(errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || isReset(err)) {
					t.Errorf("connection %d: read %d bytes, %v; want EOF or reset", i+1, m, err)
				}
			}
			l.(*net.TCPListener).SetDeadline(time.Now().Add(100 * time.Millisecond))
			if c, err := l.Accept(); err == nil {
				c.Close()
				t.Errorf("more than %d connections for %d knocks", n, n)
			}
		})
	}
}

func isReset(err error) bool {
	return err != nil && strings.Contains(err.Error(), "connection reset")
}

// tcpCounters reads the TCP MIB of the calling thread's network namespace.
// It returns errors rather than failing t, since it also runs on the
// goroutine netns.Do switches into a namespace.
func tcpCounters() (map[string]int64, error) {
	f, err := os.Open("/proc/thread-self/net/snmp")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var names []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) == 0 || fields[0] != "Tcp:" {
			continue
		}
		if names == nil {
			names = fields[1:]
			continue
		}
		m := map[string]int64{}
		for i, v := range fields[1:] {
			n, _ := strconv.ParseInt(v, 10, 64)
			m[names[i]] = n
		}
		return m, nil
	}
	return nil, errors.New("no Tcp: lines in /proc/thread-self/net/snmp")
}

// closedPort returns a loopback TCP port that nothing listens on.
func closedPort(t *testing.T, host string) uint16 {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	port := uint16(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	return port
}

// TestRealTCPKnockClosedPort knocks a closed port in the test's own
// namespace: the knock must not fail (a refused SYN is a normal knock),
// and the kernel must count the SYNs as active opens. Other processes may
// add to the counter, so this checks "at least"; the privileged test
// below checks the exact count in a namespace of its own.
func TestRealTCPKnockClosedPort(t *testing.T) {
	for _, host := range loopbacks {
		t.Run(host, func(t *testing.T) {
			skipWithoutIPv6(t, host)
			port := closedPort(t, host)
			before, err := tcpCounters()
			if err != nil {
				t.Fatal(err)
			}
			knockN(t, host, Hit{Port: port, Proto: TCP}, Hit{Port: port, Proto: TCP}, Hit{Port: port, Proto: TCP})
			after, err := tcpCounters()
			if err != nil {
				t.Fatal(err)
			}
			if d := after["ActiveOpens"] - before["ActiveOpens"]; d < 3 {
				t.Errorf("ActiveOpens grew by %d, want at least 3 (one SYN per knock)", d)
			}
		})
	}
}

// TestRealTCPKnockExactSYNs knocks a closed and a silent (dropping) port
// inside a fresh network namespace, where nothing else runs, and checks
// the kernel sent exactly one SYN per knock and never retransmitted.
func TestRealTCPKnockExactSYNs(t *testing.T) {
	testenv.RequireRoot(t)
	ns, peer := netns.New(t, "knockc"), netns.New(t, "knockp")
	// 198.51.100.2 sits behind a veth with a neighbour entry whose MAC
	// the peer does not own, so SYNs go out on the link and nothing ever
	// answers: what a port behind a DROP rule looks like to the client.
	netns.Veth(t, ns, peer, "eth0", "eth0")
	ns.AddAddr("eth0", "198.51.100.1/24")
	ns.IP("neigh", "add", "198.51.100.2", "lladdr", "02:00:00:00:00:99", "dev", "eth0", "nud", "permanent")
	for _, tc := range []struct {
		name, host string
	}{{"closed v4", "127.0.0.1"}, {"closed v6", "::1"}, {"silent", "198.51.100.2"}} {
		t.Run(tc.name, func(t *testing.T) {
			err := ns.Do(func() error {
				before, err := tcpCounters()
				if err != nil {
					return err
				}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				d := &Door{Host: tc.host, Hits: []Hit{{Port: 7000, Proto: TCP}, {Port: 8000, Proto: TCP}, {Port: 9000, Proto: TCP}}}
				if err := realKnocker().Knock(ctx, d); err != nil {
					return err
				}
				// A retransmission would come after ~1 s; wait past it.
				if tc.name == "silent" {
					time.Sleep(1500 * time.Millisecond)
				}
				after, err := tcpCounters()
				if err != nil {
					return err
				}
				if d := after["ActiveOpens"] - before["ActiveOpens"]; d != 3 {
					return fmt.Errorf("ActiveOpens grew by %d, want 3", d)
				}
				if d := after["RetransSegs"] - before["RetransSegs"]; d != 0 {
					return fmt.Errorf("RetransSegs grew by %d, want 0", d)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestSockaddrZone(t *testing.T) {
	if _, _, err := sockaddr(netip.MustParseAddrPort("[fe80::1%lo]:7000")); err != nil {
		t.Errorf("zone lo: %v", err)
	}
	if _, _, err := sockaddr(netip.MustParseAddrPort("[fe80::1%1]:7000")); err != nil {
		t.Errorf("zone 1: %v", err)
	}
	if _, _, err := sockaddr(netip.MustParseAddrPort("[fe80::1%nosuchif0]:7000")); err == nil {
		t.Error("unknown zone: no error")
	}
}
