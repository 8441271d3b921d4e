package main

import (
	"math"
	"slices"
	"time"
)

// Percentile returns the p-th percentile (0 < p ≤ 100) of ds by the
// nearest-rank method: the smallest value with at least p % of the values
// at or below it. It returns 0 for no values. ds is not modified.
func Percentile(ds []time.Duration, p float64) time.Duration {
	return nearestRank(sortedCopy(ds), p)
}

// sortedCopy returns ds sorted, leaving ds as it is.
func sortedCopy(ds []time.Duration) []time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s
}

// nearestRank is Percentile of values already sorted.
func nearestRank(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 || p <= 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// Latency summarises the delays from a sequence's last knock to the action.
type Latency struct {
	Sequences int     `json:"sequences"` // sequences knocked
	Opened    int     `json:"opened"`    // sequences whose action was seen
	P50ms     float64 `json:"p50_ms"`
	P90ms     float64 `json:"p90_ms"`
	P99ms     float64 `json:"p99_ms"`
	Maxms     float64 `json:"max_ms"`
	Note      string  `json:"note,omitempty"`
}

// Summarise fills a Latency from the delays of the opened sequences out of
// knocked (sorted once for all the percentiles; ds is not modified).
func Summarise(knocked int, ds []time.Duration) Latency {
	ms := func(d time.Duration) float64 { return math.Round(float64(d.Microseconds())/10) / 100 }
	s := sortedCopy(ds)
	return Latency{
		Sequences: knocked,
		Opened:    len(ds),
		P50ms:     ms(nearestRank(s, 50)),
		P90ms:     ms(nearestRank(s, 90)),
		P99ms:     ms(nearestRank(s, 99)),
		Maxms:     ms(nearestRank(s, 100)),
	}
}
