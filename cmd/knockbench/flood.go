//go:build linux

package main

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"time"
)

// rssSampler records the largest VmRSS of a process every 100 ms.
type rssSampler struct {
	mu   sync.Mutex // guards peak
	peak int
	stop chan struct{}
	done chan struct{}
}

func sampleRSS(pid int) *rssSampler {
	s := &rssSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if p, err := ReadProc(pid); err == nil {
				s.mu.Lock()
				s.peak = max(s.peak, p.RSSKiB, p.HWMKiB)
				s.mu.Unlock()
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *rssSampler) end() int {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// flood runs one flood scenario on a fresh daemon: the flood, 10
// legitimate sequences during it, then one more to see it recover.
func (b *bencher) flood(ctx context.Context, d daemon, spec FloodSpec) (fr FloodResult, err error) {
	fr.Name = spec.Name
	if err := d.start(ctx); err != nil {
		return fr, fmt.Errorf("start %s: %w", d.name(), err)
	}
	defer func() {
		st, serr := d.stop()
		if st.known {
			fr.KernelDrops, fr.Received = &st.kernelDrops, &st.received
		}
		if err == nil && serr != nil {
			err = serr
		}
	}()
	if err := sleep(ctx, 300*time.Millisecond); err != nil {
		return fr, err
	}
	pid := d.pid()
	before, err := ReadProc(pid)
	if err != nil {
		return fr, err
	}
	fr.RSSBefore = before.RSSKiB
	spoofed0 := b.obs.spoofed()
	if err := ResetPeak(pid); err != nil {
		return fr, err
	}
	sampler := sampleRSS(pid)
	defer func() {
		if fr.RSSPeak == 0 {
			fr.RSSPeak = sampler.end()
		}
	}()
	if err := b.floodAndKnock(ctx, pid, spec, &fr); err != nil {
		return fr, err
	}
	if err := b.recovery(ctx, &fr); err != nil {
		return fr, err
	}
	after, err := ReadProc(pid)
	if err != nil {
		return fr, err
	}
	fr.RSSAfter = after.RSSKiB
	fr.SpoofedOpened = b.obs.spoofed() - spoofed0
	fr.RSSPeak = max(sampler.end(), after.HWMKiB)
	return fr, nil
}

// quietPart is how long each flood runs before the first legitimate
// knock: the daemon's CPU over it is the cost of the flood alone.
const quietPart = time.Second

// floodAndKnock runs the flood with 10 legitimate sequences during it and
// fills the rate, CPU and legit figures.
func (b *bencher) floodAndKnock(ctx context.Context, pid int, spec FloodSpec, fr *FloodResult) error {
	type result struct {
		st  FloodStats
		err error
	}
	done := make(chan result, 1)
	p0, err := ReadProc(pid)
	if err != nil {
		return err
	}
	go func() {
		st, err := b.env.flooder.Run(ctx, spec, b.opt.pps, b.opt.floodDur)
		done <- result{st, err}
	}()
	var pq ProcSample
	kerr := sleep(ctx, quietPart)
	if kerr == nil {
		pq, kerr = ReadProc(pid)
	}
	var srcs []netip.Addr
	if kerr == nil {
		srcs, kerr = b.legitDuringFlood(ctx, fr)
	}
	r := <-done
	p1, err := ReadProc(pid)
	switch {
	case kerr != nil:
		return kerr
	case r.err != nil:
		return r.err
	case err != nil:
		return err
	}
	fr.Sent, fr.PPS = r.st.Sent, r.st.PPS()
	fr.CPUQuiet = CPUPercent(p0, pq)
	fr.RSSFlood = pq.RSSKiB
	fr.CPUPercent = CPUPercent(p0, p1)
	n, err := b.obs.waitOpen(ctx, srcs, 3*time.Second)
	fr.Legit = Count{Opened: n, Of: len(srcs)}
	return err
}

// legitDuringFlood knocks 10 sequences spread over the rest of the flood
// and records the longest gap between two knocks as sent.
func (b *bencher) legitDuringFlood(ctx context.Context, fr *FloodResult) ([]netip.Addr, error) {
	const n = 10
	seqLen := time.Duration(len(doorPorts)-1) * b.opt.legitGap
	spacing := max(0, (b.opt.floodDur-quietPart-200*time.Millisecond-seqLen)/(n-1))
	var srcs []netip.Addr
	next := time.Now()
	for i := 0; i < n; i++ {
		if err := sleep(ctx, time.Until(next)); err != nil {
			return srcs, err
		}
		next = next.Add(spacing)
		src, err := b.env.src(router4)
		if err != nil {
			return srcs, err
		}
		srcs = append(srcs, src)
		ts, err := b.sequence(ctx, src, router4, b.opt.legitGap)
		if err != nil {
			return srcs, err
		}
		for j := 1; j < len(ts); j++ {
			fr.MaxGapMs = max(fr.MaxGapMs, float64(ts[j].Sub(ts[j-1]).Microseconds())/1000)
		}
	}
	return srcs, nil
}

// recovery knocks one sequence after the flood and waits for it.
func (b *bencher) recovery(ctx context.Context, fr *FloodResult) error {
	src, err := b.env.src(router4)
	if err != nil {
		return err
	}
	ts, err := b.sequence(ctx, src, router4, b.opt.legitGap)
	if err != nil {
		return err
	}
	last := ts[len(ts)-1]
	if _, err := b.obs.waitOpen(ctx, []netip.Addr{src}, b.opt.recoveryWait); err != nil {
		return err
	}
	if t, ok := b.obs.openedAt(src); ok {
		fr.Recovered = true
		fr.RecoveryMs = float64(t.Sub(last).Microseconds()) / 1000
	}
	return nil
}
