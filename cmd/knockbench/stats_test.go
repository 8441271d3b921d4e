package main

import (
	"testing"
	"time"
)

func ms(v ...int) []time.Duration {
	var ds []time.Duration
	for _, x := range v {
		ds = append(ds, time.Duration(x)*time.Millisecond)
	}
	return ds
}

func TestPercentile(t *testing.T) {
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // 100..1, unsorted
	}
	for _, tc := range []struct {
		name string
		ds   []time.Duration
		p    float64
		want time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one", ms(7), 99, 7 * time.Millisecond},
		{"median of odd", ms(5, 1, 3), 50, 3 * time.Millisecond},
		{"median of even is the lower", ms(4, 1, 3, 2), 50, 2 * time.Millisecond},
		{"p90 of 100", ms(hundred...), 90, 90 * time.Millisecond},
		{"p99 of 100", ms(hundred...), 99, 99 * time.Millisecond},
		{"p99 of 30 is the max", ms(hundred[70:]...), 99, 30 * time.Millisecond},
		{"p100", ms(2, 9, 4), 100, 9 * time.Millisecond},
	} {
		if got := Percentile(tc.ds, tc.p); got != tc.want {
			t.Errorf("%s: Percentile(p%v) = %v, want %v", tc.name, tc.p, got, tc.want)
		}
	}
}

func TestPercentileKeepsInput(t *testing.T) {
	ds := ms(3, 1, 2)
	Percentile(ds, 50)
	if ds[0] != 3*time.Millisecond {
		t.Error("Percentile sorted its input")
	}
}

func TestSummarise(t *testing.T) {
	l := Summarise(4, ms(10, 20, 30))
	want := Latency{Sequences: 4, Opened: 3, P50ms: 20, P90ms: 30, P99ms: 30, Maxms: 30}
	if l != want {
		t.Errorf("Summarise = %+v, want %+v", l, want)
	}
	// Unsorted delays are summarised the same and left as they were.
	ds := ms(30, 10, 20)
	if l := Summarise(4, ds); l != want || ds[0] != 30*time.Millisecond {
		t.Errorf("Summarise of unsorted delays = %+v (input now %v), want %+v", l, ds, want)
	}
	if got := Summarise(1, []time.Duration{1234567 * time.Nanosecond}).P50ms; got != 1.23 {
		t.Errorf("rounding: %v ms, want 1.23", got)
	}
}
