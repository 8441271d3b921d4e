//go:build linux

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// run sets up the network, benchmarks each daemon and writes the outputs.
func run(ctx context.Context, opt options) (err error) {
	if opt.fromJSON != "" {
		return render(opt)
	}
	if os.Geteuid() != 0 {
		return errors.New("run as root (network namespaces, AF_PACKET)")
	}
	dir := opt.workDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "knockbench-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	rep := &Report{Date: time.Now().UTC().Format(time.RFC3339), Machine: machine()}
	rep.Settings = Settings{FloodPPS: opt.pps, FloodSeconds: opt.floodDur.Seconds(), LatencySeqs: opt.seqs,
		KnockGapMs: int(opt.knockGap.Milliseconds()), LegitGapMs: int(opt.legitGap.Milliseconds()),
		BatchWindowMs: 100, Door: doorDesc, OverlapSources: opt.overlap, BurstSources: opt.burst}
	e, err := newEnv(opt.nsPrefix)
	if err != nil {
		return fmt.Errorf("network: %w", err)
	}
	defer e.close()
	b := &bencher{opt: opt, env: e}
	failed := false
	for _, name := range strings.Split(opt.daemons, ",") {
		d, err := b.newDaemon(name, dir)
		if err != nil {
			return err
		}
		res := b.runDaemon(ctx, d)
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted")
		}
		failed = failed || len(res.Errors) > 0
		rep.Daemons = append(rep.Daemons, res)
	}
	rep.Machine.LoadEnd = loadavg()
	if err := write(opt, rep); err != nil {
		return err
	}
	fmt.Print(rep.Markdown())
	if failed {
		return errors.New("some scenarios could not run (see the report)")
	}
	return nil
}

func (b *bencher) newDaemon(name, dir string) (daemon, error) {
	sub := filepath.Join(dir, name)
	if err := os.MkdirAll(sub, 0o755); err != nil {
		return nil, err
	}
	if name == "knockd" {
		return &knockd{dir: sub, ns: b.env.router.Name}, nil
	}
	bin, err := filepath.Abs(b.opt.bin)
	if err != nil {
		return nil, err
	}
	tmpl, err := filepath.Abs(b.opt.template)
	if err != nil {
		return nil, err
	}
	return &uciknockd{bin: bin, template: tmpl, dir: sub, ns: b.env.router.Name}, nil
}

// runDaemon runs every scenario for d; scenarios that cannot run are
// listed in the result's Errors.
func (b *bencher) runDaemon(ctx context.Context, d daemon) DaemonResult {
	res := DaemonResult{Name: d.name(), Version: d.version()}
	fail := func(what string, err error) { res.Errors = append(res.Errors, what+": "+err.Error()) }
	b.env.resetPool()
	var sub string
	switch x := d.(type) {
	case *uciknockd:
		sub = x.dir
	case *knockd:
		sub = x.dir
	}
	b.obs = newObserver(sub)
	if err := os.MkdirAll(filepath.Join(sub, "etc", "config"), 0o755); err != nil {
		fail("setup", err)
		return res
	}
	stopObs, err := b.obs.run(ctx)
	if err != nil {
		fail("watch", err)
		return res
	}
	defer stopObs()
	log := func(f string, a ...any) {
		fmt.Fprintf(os.Stderr, "knockbench: %s: "+f+"\n", append([]any{d.name()}, a...)...)
	}
	log("start (%s)", res.Version)
	if err := b.general(ctx, d, &res, log); err != nil {
		fail("start", err)
	}
	if u, ok := d.(*uciknockd); ok {
		if err := b.unbatched(ctx, u, &res); err != nil {
			fail("latency with batch_window 0", err)
		}
		log("latency IPv4, batch_window 0: %+v", res.Unbatched4)
	}
	for _, spec := range floodSpecs() {
		log("flood %s", spec.Name)
		fr, err := b.flood(ctx, d, spec)
		if err != nil {
			fr.Error = err.Error()
			fail("flood "+spec.Name, err)
		}
		log("  sent %d (%.0f pps), legit %s, cpu %.1f%%, rss %d/%d/%d KiB, recovered %v", fr.Sent, fr.PPS,
			fr.Legit, fr.CPUPercent, fr.RSSBefore, fr.RSSAfter, fr.RSSPeak, fr.Recovered)
		res.Floods = append(res.Floods, fr)
		if ctx.Err() != nil {
			break
		}
	}
	return res
}

// general runs the scenarios that share one daemon process: idle RSS,
// latency, overlap, burst.
func (b *bencher) general(ctx context.Context, d daemon, res *DaemonResult, log func(string, ...any)) error {
	if err := d.start(ctx); err != nil {
		return err
	}
	defer d.stop()
	fail := func(what string, err error) { res.Errors = append(res.Errors, what+": "+err.Error()) }
	if err := sleep(ctx, time.Second); err != nil {
		return err
	}
	if p, err := ReadProc(d.pid()); err == nil {
		res.IdleRSSKiB = p.RSSKiB
	} else {
		fail("idle RSS", err)
	}
	var err error
	if res.Latency4, res.Reload4, err = b.latency(ctx, d, router4); err != nil {
		fail("latency IPv4", err)
	}
	log("latency IPv4 %+v", res.Latency4)
	if res.Latency6, _, err = b.latency(ctx, d, router6); err != nil {
		fail("latency IPv6", err)
	}
	log("latency IPv6 %+v", res.Latency6)
	if res.Overlap, err = b.overlap(ctx); err != nil {
		fail("overlap", err)
	}
	log("overlap %s", res.Overlap)
	if res.Burst, err = b.burst(ctx, d); err != nil {
		fail("burst", err)
	}
	if p, err := ReadProc(d.pid()); err == nil {
		res.BurstRSS = p.RSSKiB
	}
	log("burst %+v, RSS after it %d KiB", res.Burst, res.BurstRSS)
	return nil
}

// unbatched measures uciknockd's IPv4 latency with batch_window 0: what
// the capture, engine and write cost without the batching delay.
func (b *bencher) unbatched(ctx context.Context, u *uciknockd, res *DaemonResult) error {
	u.batchWindow = "0"
	defer func() { u.batchWindow = "" }()
	if err := u.start(ctx); err != nil {
		return err
	}
	defer u.stop()
	l, _, err := b.latency(ctx, u, router4)
	res.Unbatched4 = &l
	return err
}

// render writes the markdown of an earlier run's JSON report.
func render(opt options) error {
	b, err := os.ReadFile(opt.fromJSON)
	if err != nil {
		return err
	}
	var rep Report
	if err := json.Unmarshal(b, &rep); err != nil {
		return fmt.Errorf("%s: %w", opt.fromJSON, err)
	}
	opt.jsonOut = ""
	return write(opt, &rep)
}

// write puts the JSON and the markdown section in place.
func write(opt options, rep *Report) error {
	if opt.jsonOut != "" {
		js, err := rep.JSON()
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(opt.jsonOut), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(opt.jsonOut, js, 0o644); err != nil {
			return err
		}
	}
	if opt.doc == "" {
		return nil
	}
	old, err := os.ReadFile(opt.doc)
	if errors.Is(err, os.ErrNotExist) {
		old, err = []byte(docIntro), nil
	}
	if err != nil {
		return err
	}
	doc, err := ReplaceSection(string(old), rep.Markdown())
	if err != nil {
		return fmt.Errorf("%s: %w", opt.doc, err)
	}
	return os.WriteFile(opt.doc, []byte(doc), 0o644)
}

const docIntro = `# Benchmarks

## uciknockd and knockd side by side (` + "`make bench`" + `)

` + "`make bench`" + ` (cmd/knockbench, run by scripts/bench.sh as root) runs the same door on
uciknockd and on Debian's knockd in a throw-away router namespace, knocked and
flooded from a client namespace over veth. The section between the markers is
rewritten by each run; the rest of this file is kept.

`

// machine describes the host: CPUs, CPU model, kernel, load.
func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), Model: "unknown", LoadStart: loadavg()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.Model = strings.TrimSpace(v)
				break
			}
		}
	}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		m.Kernel = unix.ByteSliceToString(u.Release[:])
	}
	return m
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
