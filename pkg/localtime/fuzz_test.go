package localtime

import (
	"testing"
	"time"
)

// FuzzParseTZ: neither reader may panic; a string ParseTZ accepts is read
// the same by Musl; offsets are always the zone's own; StopDate is never
// read by nft as later than the instant asked for.
func FuzzParseTZ(f *testing.F) {
	for _, tz := range goldenTZ {
		f.Add(tz, int64(1900000000))
	}
	for _, c := range ianaFooters {
		f.Add(c.tz, int64(1774746000))
	}
	f.Fuzz(func(t *testing.T, tz string, sec int64) {
		sec &= 1<<35 - 1 // years 1970..3058: what a router clock can say
		at := time.Unix(sec, 0)
		m := Musl(tz)
		west, _ := m.west(sec)
		if west != int64(m.stdWest) && west != int64(m.dstWest) {
			t.Fatalf("offset %d is neither std %d nor dst %d", west, m.stdWest, m.dstWest)
		}
		if got := m.nftRead(mustParse(t, m.StopDate(at))); got > sec {
			t.Fatalf("%q: StopDate(%d) read back as %d", tz, sec, got)
		}
		z, err := ParseTZ(tz)
		if err != nil {
			return
		}
		if z.stdWest != m.stdWest || z.dstWest != m.dstWest || z.r0 != m.r0 || z.r1 != m.r1 || z.hasDST != m.hasDST {
			t.Fatalf("%q: strict %s, musl %s", tz, z.describe(), m.describe())
		}
	})
}

func mustParse(t *testing.T, s string) int64 {
	t.Helper()
	w, err := time.Parse(StopDateLayout, s)
	if err != nil {
		t.Fatalf("StopDate %q: %v", s, err)
	}
	return w.Unix()
}
