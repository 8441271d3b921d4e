package main

import (
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	for _, tc := range []struct {
		name, stat string
		want       uint64
		ok         bool
	}{
		{"plain", "42 (uciknockd) S 1 42 42 0 -1 4194560 100 0 0 0 17 5 0 0 20 0 7 0 123 456 789", 22, true},
		{"blanks and parens in the name", "42 (a) b (c) R 1 42 42 0 -1 0 0 0 0 0 300 45 0 0 20 0 1 0 1 1 1", 345, true},
		{"no name", "42 S 1", 0, false},
		{"short", "42 (x) S 1 2 3", 0, false},
		{"not a number", "42 (x) S 1 42 42 0 -1 0 0 0 0 0 u s 0 0", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseStatCPU(tc.stat)
			if (err == nil) != tc.ok || got != tc.want {
				t.Errorf("ParseStatCPU = %d, %v; want %d, ok=%v", got, err, tc.want, tc.ok)
			}
		})
	}
}

func TestParseStatusMem(t *testing.T) {
	status := "Name:\tknockd\nVmPeak:\t   10000 kB\nVmHWM:\t    6000 kB\nVmRSS:\t    5120 kB\nThreads:\t1\n"
	if rss, hwm := ParseStatusMem(status); rss != 5120 || hwm != 6000 {
		t.Errorf("ParseStatusMem = %d, %d; want 5120, 6000", rss, hwm)
	}
	if rss, hwm := ParseStatusMem("Name:\tkthreadd\n"); rss != 0 || hwm != 0 {
		t.Errorf("kernel thread: %d, %d; want 0, 0", rss, hwm)
	}
}

func TestParseSchedstat(t *testing.T) {
	if n, err := ParseSchedstat("123456789 1000 42\n"); err != nil || n != 123456789 {
		t.Errorf("ParseSchedstat = %d, %v", n, err)
	}
	if _, err := ParseSchedstat("1 2"); err == nil {
		t.Error("two fields accepted")
	}
}

func TestCPUPercent(t *testing.T) {
	t0 := time.Unix(100, 0)
	a := ProcSample{At: t0, CPUTicks: 10, CPUNs: 1e9}
	for _, tc := range []struct {
		name string
		b    ProcSample
		want float64
	}{
		{"schedstat", ProcSample{At: t0.Add(2 * time.Second), CPUTicks: 10, CPUNs: 1.5e9}, 25},
		{"ticks when schedstat went backwards", ProcSample{At: t0.Add(2 * time.Second), CPUTicks: 60, CPUNs: 1}, 25},
		{"no time passed", ProcSample{At: t0, CPUTicks: 60, CPUNs: 2e9}, 0},
	} {
		if got := CPUPercent(a, tc.b); got != tc.want {
			t.Errorf("%s: CPUPercent = %v, want %v", tc.name, got, tc.want)
		}
	}
}
