// Command knockbench runs the same knock door on uciknockd and on Debian's
// knockd, one after the other, in a throw-away router namespace knocked
// and flooded from a client namespace, and writes the figures side by side
// to docs/benchmarks.md (between the knockbench markers) and to JSON.
//
//	knockbench [-flood-seconds 5] [-pps 200000] [-daemons uciknockd,knockd] ...
//
// Run as root by `make bench` (scripts/bench.sh). Benchmarks report; they
// do not judge: the exit status is non-zero only when a scenario could not
// run at all. The namespaces are deleted at exit, also on SIGINT/SIGTERM.
//
// Namespaces, workers and packet injection come from internal/netns (its
// error-returning core); the paced spoofed flood, the knocker, the inotify
// watcher, the /proc readers and the report are this command's own. It
// never touches the initial network namespace, never spoofs from outside
// 198.18.0.0/15, and never floods without a packet count and a time limit.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// options are knockbench's flags.
type options struct {
	bin          string // directory with the built uciknockd
	template     string // stock /etc/config/firewall
	doc          string // docs/benchmarks.md
	jsonOut      string
	nsPrefix     string
	daemons      string
	pps          int
	floodDur     time.Duration
	seqs         int
	knockGap     time.Duration
	legitGap     time.Duration
	overlap      int
	burst        int
	recoveryWait time.Duration
	workDir      string
	fromJSON     string // render this report instead of running
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("knockbench", flag.ContinueOnError)
	fs.StringVar(&o.bin, "bin", "build", "`dir` holding the built uciknockd")
	fs.StringVar(&o.template, "firewall", "scripts/demo/firewall", "stock firewall config `file` each uciknockd start begins with")
	fs.StringVar(&o.doc, "doc", "docs/benchmarks.md", "markdown `file` whose knockbench section is rewritten (\"\": none)")
	fs.StringVar(&o.jsonOut, "json", "build/bench.json", "JSON output `file` (\"\": none)")
	fs.StringVar(&o.nsPrefix, "ns-prefix", fmt.Sprintf("kb%d", os.Getpid()), "namespace name `prefix` (-r router, -c client)")
	fs.StringVar(&o.daemons, "daemons", "uciknockd,knockd", "comma-separated daemons to run")
	fs.IntVar(&o.pps, "pps", 200000, "flood rate target, packets/s")
	fs.DurationVar(&o.floodDur, "flood", 5*time.Second, "`duration` of each flood")
	fs.IntVar(&o.seqs, "seqs", 30, "sequences per latency measurement (per address family)")
	fs.DurationVar(&o.knockGap, "knock-gap", 20*time.Millisecond, "gap between knocks in latency runs")
	fs.DurationVar(&o.legitGap, "legit-gap", 100*time.Millisecond, "gap between knocks of overlapping and in-flood sequences")
	fs.IntVar(&o.overlap, "overlap", 18, "overlapping sequences (sources)")
	fs.IntVar(&o.burst, "burst", 100, "sources in the burst of opens")
	fs.DurationVar(&o.recoveryWait, "recovery-wait", 10*time.Second, "how long a sequence after a flood may take to open")
	fs.StringVar(&o.workDir, "workdir", "", "keep configs and logs in this `dir` (default: a temporary one, removed)")
	fs.StringVar(&o.fromJSON, "from-json", "", "do not run: render the report in this JSON `file` into -doc")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch {
	case o.pps <= 0 || o.pps > 2000000:
		return o, fmt.Errorf("-pps %d: want 1..2000000", o.pps)
	case o.floodDur < 2*time.Second || o.floodDur > time.Minute:
		return o, fmt.Errorf("-flood %v: want 2s..1m", o.floodDur)
	case o.seqs < 1 || o.seqs > 200:
		return o, fmt.Errorf("-seqs %d: want 1..200", o.seqs)
	case o.overlap < 1 || o.overlap > 100 || o.burst < 1 || o.burst > 200:
		return o, fmt.Errorf("-overlap %d / -burst %d: want 1..100 / 1..200", o.overlap, o.burst)
	}
	for _, d := range strings.Split(o.daemons, ",") {
		if d != "uciknockd" && d != "knockd" {
			return o, fmt.Errorf("-daemons: unknown daemon %q (uciknockd, knockd)", d)
		}
	}
	return o, nil
}

func main() {
	opt, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "knockbench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, opt); err != nil {
		fmt.Fprintln(os.Stderr, "knockbench:", err)
		stop()
		os.Exit(1)
	}
}
