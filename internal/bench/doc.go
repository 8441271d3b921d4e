// Package bench holds the parts of knockbench (cmd/knockbench) that are not
// specific to one daemon: the spoofed-flood frame builder and its paced
// AF_PACKET sender, network-namespace plumbing for a harness that is not a
// test, an inotify watcher, /proc readers for a daemon's CPU and memory,
// percentiles, and the report (markdown table and JSON).
//
// What it does not: it never touches the initial network namespace (every
// socket it opens is created on a thread that entered a namespace the
// harness made), never sends from a source outside 198.18.0.0/15 when
// spoofing, and never floods without a packet count and a time limit. It
// knows nothing about uciknockd or knockd; cmd/knockbench does.
//
// Example (inside a namespace worker, flood 1,000 spoofed sources for 2 s):
//
//	f, err := bench.OpenFlooder("kbc0", routerMAC, netip.MustParseAddr("192.0.2.1"))
//	if err != nil {
//		return err
//	}
//	defer f.Close()
//	spec := bench.FloodSpec{Name: "first-port-1k", Sources: 1000, Port: 7000, Proto: bench.TCP}
//	st, err := f.Run(ctx, spec, 200000, 2*time.Second)
//	fmt.Printf("sent %d at %.0f pps\n", st.Sent, st.PPS())
package bench
