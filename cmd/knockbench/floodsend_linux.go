package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"

	"github.com/uciknock/uciknock/internal/netns"
)

// Flooder writes spoofed IPv4 frames onto one interface through a
// netns.Injector (a cooked AF_PACKET socket): below the IP stack, so any
// source address goes out, and the kernel adds the Ethernet header for
// the given destination MAC.
type Flooder struct {
	in  *netns.Injector
	dst [4]byte
}

// OpenFlooder opens a flooder on ifname in the calling thread's network
// namespace (call it from a namespace worker). dstMAC is the router's MAC
// and dst its IPv4 address.
func OpenFlooder(ifname string, dstMAC net.HardwareAddr, dst netip.Addr) (*Flooder, error) {
	if !dst.Is4() {
		return nil, fmt.Errorf("flooder: destination %s is not IPv4", dst)
	}
	in, err := netns.NewInjector(ifname, dstMAC)
	if err != nil {
		return nil, fmt.Errorf("flooder: %w", err)
	}
	return &Flooder{in: in, dst: dst.As4()}, nil
}

// Close closes the socket.
func (f *Flooder) Close() error { return f.in.Close() }

// FloodStats is what a flood achieved.
type FloodStats struct {
	Sent     int           // frames the kernel accepted
	Refused  int           // frames refused with ENOBUFS/EAGAIN (device queue full)
	Duration time.Duration // from the first frame to the last
}

// PPS is the achieved rate of accepted frames.
func (s FloodStats) PPS() float64 {
	if s.Duration <= 0 {
		return 0
	}
	return float64(s.Sent) / s.Duration.Seconds()
}

// floodBatch is how many frames are sent between two looks at the clock.
const floodBatch = 32

// Run sends the flood paced at pps frames per second for dur: at most
// pps×dur frames, never longer than dur, and it stops early when ctx ends.
func (f *Flooder) Run(ctx context.Context, spec FloodSpec, pps int, dur time.Duration) (FloodStats, error) {
	if err := spec.Validate(); err != nil {
		return FloodStats{}, err
	}
	if pps <= 0 || dur <= 0 {
		return FloodStats{}, fmt.Errorf("flood %q: rate %d pps for %v: both must be positive", spec.Name, pps, dur)
	}
	total := int(float64(pps) * dur.Seconds())
	buf := make([]byte, FrameLen)
	var st FloodStats
	start := time.Now()
	for i := 0; i < total; {
		elapsed := time.Since(start)
		if elapsed >= dur || ctx.Err() != nil {
			break
		}
		due := min(total, int(elapsed.Seconds()*float64(pps))+floodBatch)
		if i >= due {
			time.Sleep(100 * time.Microsecond)
			continue
		}
		for ; i < due; i++ {
			n := spec.Frame(buf, i, f.dst)
			err := f.in.Send(buf[:n])
			switch err { // Send returns the bare errno
			case nil:
				st.Sent++
			case unix.ENOBUFS, unix.EAGAIN:
				st.Refused++
			default:
				st.Duration = time.Since(start)
				return st, fmt.Errorf("flood %q: sendto: %w", spec.Name, err)
			}
		}
	}
	st.Duration = time.Since(start)
	return st, nil
}
