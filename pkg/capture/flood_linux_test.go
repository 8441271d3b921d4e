//go:build linux

package capture

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/netns"
	"github.com/uciknock/uciknock/internal/testenv"
	"github.com/uciknock/uciknock/pkg/knock"
	"golang.org/x/sys/unix"
)

// floodEnv, when set, turns the test binary into BenchmarkFlood's traffic
// generator: "IFNAME MAC PPS SECONDS PORT". Running it as a separate
// process (inside the client namespace) keeps its CPU time, and the
// kernel's receive work done on its behalf, out of the benchmark's
// getrusage figures.
const floodEnv = "UCIKNOCK_CAPTURE_FLOOD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(floodEnv); spec != "" {
		if err := floodChild(spec); err != nil {
			fmt.Fprintln(os.Stderr, "flood:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// floodChild sends a paced flood of TCP SYNs from spoofed sources in
// 198.18.0.0/15 to srvAddr4:PORT and prints how many it sent.
func floodChild(spec string) error {
	f := strings.Fields(spec)
	if len(f) != 5 {
		return fmt.Errorf("bad spec %q", spec)
	}
	mac, err := net.ParseMAC(f[1])
	if err != nil {
		return err
	}
	pps, err1 := strconv.Atoi(f[2])
	secs, err2 := strconv.ParseFloat(f[3], 64)
	port, err3 := strconv.ParseUint(f[4], 10, 16)
	if err1 != nil || err2 != nil || err3 != nil {
		return fmt.Errorf("bad spec %q", spec)
	}
	in, err := netns.NewInjector(f[0], mac)
	if err != nil {
		return err
	}
	defer in.Close()
	const sources = 1 << 17 // all of 198.18.0.0/15
	pkts := make([][]byte, sources)
	for i := range pkts {
		src := netip.AddrFrom4([4]byte{198, 18 + byte(i>>16), byte(i >> 8), byte(i)})
		pkts[i] = netns.Packet{Src: src, Dst: srvAddr4, Proto: netns.ProtoTCP, SrcPort: uint16(1024 + i%60000),
			DstPort: uint16(port), TCPFlags: knock.FlagSYN}.Marshal()
	}
	dur := time.Duration(secs * float64(time.Second))
	count := int(float64(pps) * secs)
	if pps == 0 {
		count = 1 << 30 // as many as fit in dur
	}
	sent, err := in.Flood(count, pps, dur, func(i int) []byte { return pkts[(i*7919)%sources] })
	fmt.Println(sent)
	return err
}

// rssKiB is this process's resident set size.
func rssKiB() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return n
		}
	}
	return 0
}

func cpuTime() time.Duration {
	var ru unix.Rusage
	_ = unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkFlood measures the capture side under a paced spoofed flood of
// SYNs to the first knock port of a 3-knock sequence, with the knock
// engine fed from Run, while a legitimate client in the same namespace
// completes 10 sequences with its knocks 100 ms apart. One iteration is
// one 4-second flood. Reported: CPU of this process (capture + engine, not
// the generator) in % of one core, kernel drops, packets delivered per
// second, and legitimate sequences completed out of 10.
func BenchmarkFlood(b *testing.B) {
	for _, c := range []struct {
		name   string
		pps    int
		engine bool
		opts   []Option
	}{
		{"ring/200kpps", 200000, true, nil},
		// Other rings than the default 768 KiB: the whole ring counts in
		// the daemon's RSS (packet_mmap maps every page), so its size
		// trades idle memory for the scheduling delay it absorbs
		// (docs/benchmarks.md, memory; uciknockd run --capture-ring).
		{"ring-2MiB/200kpps", 200000, true, []Option{WithRing(2 << 20)}},
		{"ring-512KiB/200kpps", 200000, true, []Option{WithRing(512 << 10)}},
		// Shorter coalescing waits, and none: a wake-up per packet or so.
		{"ring-coalesce1ms/200kpps", 200000, true, []Option{WithCoalesce(time.Millisecond)}},
		{"ring-nocoalesce/200kpps", 200000, true, []Option{WithCoalesce(0)}},
		{"ring-capture-only/200kpps", 200000, false, nil},
		{"ring/max", 0, true, nil},
		{"recvfrom/200kpps", 200000, true, []Option{WithoutRing()}},
	} {
		b.Run(c.name, func(b *testing.B) {
			testenv.RequireRoot(b)
			for i := 0; i < b.N; i++ {
				floodOnce(b, c.pps, c.engine, c.opts)
			}
		})
	}
}

// floodRig is BenchmarkFlood's setup: namespaces, engine, Listener.
type floodRig struct {
	n         *testNet
	l         *Listener
	eng       *knock.Engine
	completed atomic.Int64
	legit     []time.Time // capture times of the legitimate knocks; Run's goroutine only until stop
	stop      func()
}

// newFloodRig sets up the Listener; without engine, Run's callback only
// records the legitimate knocks, to separate the capture's CPU from the
// engine's.
func newFloodRig(b *testing.B, engine bool, opts []Option) *floodRig {
	r := &floodRig{n: newTestNet(b, "veth")}
	var err error
	r.eng, err = knock.New(knock.Config{Sequences: []knock.Sequence{{
		Name:    "ssh",
		Steps:   []knock.Step{{Port: 7000, Proto: knock.ProtoTCP}, {Port: 8000, Proto: knock.ProtoTCP}, {Port: 9000, Proto: knock.ProtoUDP}},
		Timeout: 5 * time.Second,
	}}})
	if err != nil {
		b.Fatal(err)
	}
	r.l, err = Listen("eth0", r.eng.Ports(time.Now()), append([]Option{WithEnter(r.n.srv.Do)}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var out []knock.Event
		_ = r.l.Run(ctx, func(k knock.Knock) {
			if k.Src == cliAddr4 {
				r.legit = append(r.legit, k.Time)
			}
			if !engine {
				return
			}
			out = r.eng.Handle(k, out[:0])
			for _, e := range out {
				if e.Src == cliAddr4 {
					r.completed.Add(1)
				}
			}
		})
	}()
	r.stop = func() { cancel(); wg.Wait() }
	b.Cleanup(func() { r.stop(); r.l.Close() })
	return r
}

// knockLegit completes 10 sequences from the client, 100 ms between knocks.
func (r *floodRig) knockLegit(b *testing.B) {
	for i := 0; i < 10; i++ {
		dialTCP(b, r.n.cli, srvAddr4, 7000)
		time.Sleep(100 * time.Millisecond)
		dialTCP(b, r.n.cli, srvAddr4, 8000)
		time.Sleep(100 * time.Millisecond)
		sendUDP(b, r.n.cli, srvAddr4, 9000)
		time.Sleep(100 * time.Millisecond)
	}
}

// maxGap is the longest wait between two knocks of one legitimate sequence.
func (r *floodRig) maxGap() time.Duration {
	var gap time.Duration
	for i := 1; i < len(r.legit); i++ {
		if i%3 != 0 {
			gap = max(gap, r.legit[i].Sub(r.legit[i-1]))
		}
	}
	return gap
}

func floodOnce(b *testing.B, pps int, engine bool, opts []Option) {
	const seconds = 4.0
	r := newFloodRig(b, engine, opts)
	cmd := exec.Command("ip", "netns", "exec", r.n.cli.Name, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=eth0 %s %d %g 7000", floodEnv, r.n.srv.MAC("eth0"), pps, seconds))
	cmd.Stderr = os.Stderr
	cpu0, t0, st0 := cpuTime(), time.Now(), r.l.Stats()
	b.ResetTimer()
	var out []byte
	done := make(chan error, 1)
	go func() {
		var err error
		out, err = cmd.Output()
		done <- err
	}()
	time.Sleep(500 * time.Millisecond) // let the flood reach full rate
	rss0 := rssKiB()                   // the ring and the engine's tables are touched by now
	r.knockLegit(b)
	if err := <-done; err != nil {
		b.Fatalf("flood generator: %v", err)
	}
	time.Sleep(50 * time.Millisecond) // the last block's timeout
	cpu1, t1, st1, rss1 := cpuTime(), time.Now(), r.l.Stats(), rssKiB()
	b.StopTimer()
	r.stop()
	sent, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	wall := t1.Sub(t0).Seconds()
	b.ReportMetric(float64(sent)/seconds, "sent-pps")
	b.ReportMetric(float64(st1.Received-st0.Received)/wall, "recv-pps")
	b.ReportMetric(100*(cpu1-cpu0).Seconds()/wall, "cpu%")
	b.ReportMetric(float64(st1.KernelDrops-st0.KernelDrops), "drops")
	b.ReportMetric(float64(rss1-rss0), "rss-growth-KiB") // during the flood, after warm-up
	if engine {
		b.ReportMetric(float64(r.completed.Load()), "legit-of-10")
	}
	b.ReportMetric(float64(len(r.legit)), "knocks-of-30")
	b.ReportMetric(float64(r.maxGap().Milliseconds()), "max-gap-ms")
	b.Logf("sent %d in %.0fs; stats %+v; engine %+v", sent, seconds, st1, r.eng.Stats())
}
