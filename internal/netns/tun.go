//go:build linux

package netns

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Tun creates a tun device named ifname inside the namespace, without
// packet information header (IFF_NO_PI: each read or write is one bare
// IPv4 or IPv6 packet), sets it up and returns its file. The file is
// non-blocking, so reads and writes honour deadlines. The device is
// deleted when the file is closed, which happens at the end of the test
// at the latest.
func (ns *NS) Tun(ifname string) *os.File {
	ns.t.Helper()
	var f *os.File
	err := ns.Do(func() error {
		fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
		if err != nil {
			return fmt.Errorf("open /dev/net/tun: %w", err)
		}
		ifr, err := unix.NewIfreq(ifname)
		if err != nil {
			unix.Close(fd)
			return fmt.Errorf("tun %q: %w", ifname, err)
		}
		ifr.SetUint16(unix.IFF_TUN | unix.IFF_NO_PI)
		if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
			unix.Close(fd)
			return fmt.Errorf("TUNSETIFF %q: %w", ifname, err)
		}
		f = os.NewFile(uintptr(fd), "/dev/net/tun:"+ifname)
		return nil
	})
	if err != nil {
		ns.t.Fatalf("netns %s: %v", ns.Name, err)
	}
	ns.t.Cleanup(func() { f.Close() })
	ns.Up(ifname)
	return f
}

// TunPair connects namespaces a and b with a point-to-point link that has
// no link-layer header: a tun device in each (ifA in a, ifB in b) and two
// goroutines copying packets between them until the test ends. Packets
// sent by the kernel of one namespace arrive as received packets on the
// other's tun device, as over WireGuard or PPP. Give the devices
// addresses with AddAddr (with a peer route, e.g. "192.0.2.1/24").
func TunPair(t testing.TB, a, b *NS, ifA, ifB string) {
	t.Helper()
	fa, fb := a.Tun(ifA), b.Tun(ifB)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); forward(fa, fb, stop) }()
	go func() { defer wg.Done(); forward(fb, fa, stop) }()
	// Registered after the Tun cleanups, so it runs before them: the
	// goroutines are gone before the files close.
	t.Cleanup(func() { close(stop); wg.Wait() })
}

// forward copies packets from src to dst until stop is closed. Reads wake
// up every 50 ms to notice stop; write errors (a full queue on a device
// that is going down) drop the packet, as a real link would.
func forward(src, dst *os.File, stop <-chan struct{}) {
	buf := make([]byte, 65536)
	for {
		select {
		case <-stop:
			return
		default:
		}
		if err := src.SetReadDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
			return
		}
		n, err := src.Read(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			continue
		}
		if err != nil {
			return
		}
		_ = dst.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
		_, _ = dst.Write(buf[:n])
	}
}
