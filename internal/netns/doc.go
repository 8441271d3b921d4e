// Package netns gives privileged tests throw-away Linux network namespaces
// and the links between them, so test traffic never touches the host's
// network.
//
// What it does:
//   - New creates a named namespace (via `ip netns add`, so `ip -n NAME`
//     and `ip netns exec NAME` work on it) with its loopback up, and deletes
//     it when the test ends.
//   - (*NS).Do runs a function with the calling goroutine's OS thread
//     switched into the namespace. Sockets and devices created inside fn
//     belong to the namespace and stay there after Do returns, so a test can
//     open an AF_PACKET socket or dial a TCP connection "from" a namespace
//     and use it from any goroutine afterwards.
//   - Veth connects two namespaces with a veth pair (an Ethernet link);
//     TunPair connects them with two tun devices and a forwarding goroutine
//     (a point-to-point link with no link-layer header, like WireGuard or
//     PPP).
//   - (*NS).IP runs `ip -n NAME ...`; AddAddr, Up, Index, MAC and Sysctl
//     are the common cases. Every command runs with a timeout
//     (CommandTimeout).
//   - Packet builds IPv4/IPv6 TCP/UDP packets with correct checksums, and
//     also what real stacks do not send (IP options, extension headers,
//     fragments); (*NS).Injector writes them onto an interface below the
//     IP stack, with spoofed sources if wanted, and Flood sends a bounded,
//     paced stream of them.
//
// What it does not: it never touches the initial namespace, never adds a
// default route, and does not restore a namespace left by a crashed test
// run (names are unique per process, so stale ones never collide; `ip
// netns list` shows them).
//
// The thread used by Do is never returned to the Go scheduler: Do runs fn
// on a fresh goroutine whose locked thread is discarded when it returns, so
// no other goroutine can ever run in the wrong namespace. Goroutines that
// fn starts run on other threads, in the test's original namespace.
//
// Tests that use this package must call testenv.RequireRoot first.
//
// Example:
//
//	func TestSomething(t *testing.T) {
//		testenv.RequireRoot(t)
//		srv, cli := netns.New(t, "srv"), netns.New(t, "cli")
//		netns.Veth(t, srv, cli, "eth0", "eth0")
//		srv.AddAddr("eth0", "192.0.2.1/24")
//		cli.AddAddr("eth0", "192.0.2.2/24")
//		err := cli.Do(func() error {
//			c, err := net.DialTimeout("tcp", "192.0.2.1:22", time.Second)
//			if err == nil {
//				c.Close()
//			}
//			return err
//		})
//		_ = err // connection refused: nothing listens in srv
//	}
package netns
