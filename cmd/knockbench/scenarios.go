//go:build linux

package main

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// bencher runs the scenarios for one daemon at a time.
type bencher struct {
	opt options
	env *env
	obs *observer // the current daemon's
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return fmt.Errorf("interrupted: %w", ctx.Err())
	case <-time.After(d):
		return nil
	}
}

// sequence knocks the door from src, gap between knocks, and returns the
// time just before each knock.
func (b *bencher) sequence(ctx context.Context, src, dst netip.Addr, gap time.Duration) ([]time.Time, error) {
	ts := make([]time.Time, 0, len(doorPorts))
	for i, port := range doorPorts {
		if i > 0 {
			if err := sleep(ctx, gap); err != nil {
				return ts, err
			}
		}
		ts = append(ts, time.Now())
		if err := b.env.knock(src, dst, port); err != nil {
			return ts, err
		}
	}
	return ts, nil
}

// latency knocks opt.seqs sequences one after the other and measures the
// last knock → action delay (and → reload for uciknockd). It gives up
// after three sequences in a row that did not open.
func (b *bencher) latency(ctx context.Context, d daemon, dst netip.Addr) (Latency, *Latency, error) {
	var ds, rs []time.Duration
	misses, knocked := 0, 0
	for i := 0; i < b.opt.seqs && misses < 3; i++ {
		src, err := b.env.src(dst)
		if err != nil {
			return Latency{}, nil, err
		}
		ts, err := b.sequence(ctx, src, dst, b.opt.knockGap)
		if err != nil {
			return Latency{}, nil, err
		}
		last := ts[len(ts)-1]
		knocked++
		if _, err := b.obs.waitOpen(ctx, []netip.Addr{src}, 2*time.Second); err != nil {
			return Latency{}, nil, err
		}
		t, ok := b.obs.openedAt(src)
		if !ok {
			misses++
			continue
		}
		misses = 0
		ds = append(ds, t.Sub(last))
		if d.reloads() {
			for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
				if r, ok := b.obs.reloadAfter(t); ok {
					rs = append(rs, r.Sub(last))
					break
				}
			}
		}
	}
	l := Summarise(knocked, ds)
	if misses >= 3 {
		l.Note = fmt.Sprintf("stopped after %d sequences in a row did not open within 2 s", misses)
	}
	if !d.reloads() {
		return l, nil, nil
	}
	r := Summarise(knocked, rs)
	return l, &r, nil
}

// knockAt is one scheduled knock.
type knockAt struct {
	at   time.Duration
	src  netip.Addr
	port uint16
}

// schedule runs knocks at their offsets from now, in time order.
func (b *bencher) schedule(ctx context.Context, ks []knockAt) error {
	slices.SortStableFunc(ks, func(x, y knockAt) int { return cmp.Compare(x.at, y.at) })
	start := time.Now()
	for _, k := range ks {
		if wait := time.Until(start.Add(k.at)); wait > 0 {
			if err := sleep(ctx, wait); err != nil {
				return err
			}
		}
		if err := b.env.knock(k.src, router4, k.port); err != nil {
			return err
		}
	}
	return nil
}

// overlap starts opt.overlap sequences from as many sources 10 ms apart,
// knocks legitGap apart, and counts the doors that open.
func (b *bencher) overlap(ctx context.Context) (Count, error) {
	srcs, err := b.sources(b.opt.overlap)
	if err != nil {
		return Count{}, err
	}
	var ks []knockAt
	for k, src := range srcs {
		for j, port := range doorPorts {
			ks = append(ks, knockAt{at: time.Duration(k)*10*time.Millisecond + time.Duration(j)*b.opt.legitGap, src: src, port: port})
		}
	}
	if err := b.schedule(ctx, ks); err != nil {
		return Count{}, err
	}
	n, err := b.obs.waitOpen(ctx, srcs, 3*time.Second)
	return Count{Opened: n, Of: len(srcs)}, err
}

// burst completes opt.burst sequences from as many sources back to back
// and counts firewall writes and reloads (knockd: commands run).
func (b *bencher) burst(ctx context.Context, d daemon) (Burst, error) {
	// Let the previous scenario's last write and reload happen first.
	if err := sleep(ctx, time.Second); err != nil {
		return Burst{}, err
	}
	w0, r0 := b.obs.counts()
	srcs, err := b.sources(b.opt.burst)
	if err != nil {
		return Burst{}, err
	}
	for _, src := range srcs {
		if _, err := b.sequence(ctx, src, router4, 0); err != nil {
			return Burst{}, err
		}
	}
	n, err := b.obs.waitOpen(ctx, srcs, 10*time.Second)
	if err != nil {
		return Burst{}, err
	}
	// Let the last batch's write and reload happen.
	if err := sleep(ctx, time.Second); err != nil {
		return Burst{}, err
	}
	w1, r1 := b.obs.counts()
	res := Burst{Opens: Count{Opened: n, Of: len(srcs)}, Writes: w1 - w0, Reloads: r1 - r0}
	if !d.reloads() {
		res.Writes, res.Reloads = -1, n
		res.Note = "commands run; with knockd each is one firewall change"
	}
	return res, nil
}

// sources takes n fresh IPv4 client addresses.
func (b *bencher) sources(n int) ([]netip.Addr, error) {
	srcs := make([]netip.Addr, 0, n)
	for range n {
		src, err := b.env.src(router4)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, src)
	}
	return srcs, nil
}
