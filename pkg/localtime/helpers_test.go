package localtime

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"
)

// tzifFooterOnly builds a TZif v2 file with no transitions and the given
// POSIX footer, so that Go's own time package evaluates the footer: an
// independent implementation to compare musl's reading against.
func tzifFooterOnly(t testing.TB, footer string) []byte {
	t.Helper()
	var b bytes.Buffer
	header := func() {
		b.WriteString("TZif2")
		b.Write(make([]byte, 15))
		// isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
		for _, n := range []uint32{0, 0, 0, 0, 1, 4} {
			_ = binary.Write(&b, binary.BigEndian, n)
		}
		b.Write([]byte{0, 0, 0, 0, 0, 0}) // one ttinfo: UTC+0, not DST, abbr 0
		b.WriteString("UTC\x00")
	}
	header() // version 1 block
	header() // version 2 block (no transitions, so no 64-bit times)
	b.WriteString("\n" + footer + "\n")
	return b.Bytes()
}

// goZone evaluates footer with Go's time package, or reports ok=false if
// Go does not accept it.
func goZone(t testing.TB, footer string) (*time.Location, bool) {
	t.Helper()
	loc, err := time.LoadLocationFromTZData("test", tzifFooterOnly(t, footer))
	if err != nil {
		return nil, false
	}
	// Go silently ignores a footer it cannot parse; detect that by
	// asking for a zone name, which would stay the fallback "UTC".
	name, _ := time.Date(2030, 1, 15, 0, 0, 0, 0, time.UTC).In(loc).Zone()
	name2, _ := time.Date(2030, 7, 15, 0, 0, 0, 0, time.UTC).In(loc).Zone()
	if name == "UTC" && name2 == "UTC" && footer != "UTC0" {
		return nil, false
	}
	return loc, true
}

// parseStopDate reads back a StopDate string the way nft does, using the
// zone under test: timegm of the fields, then minus gmtoff at that value.
func nftInstant(t testing.TB, z *Zone, s string) int64 {
	t.Helper()
	w, err := time.Parse(StopDateLayout, s)
	if err != nil {
		t.Fatalf("StopDate %q does not parse: %v", s, err)
	}
	return z.nftRead(w.Unix())
}

// sampleInstants returns instants from..to every step, plus the seconds
// around each offset change of loc in that range.
func sampleInstants(from, to time.Time, step time.Duration, loc *time.Location) []time.Time {
	var out []time.Time
	for t := from; t.Before(to); t = t.Add(step) {
		out = append(out, t)
	}
	if loc == nil {
		return out
	}
	for t := from; t.Before(to); {
		_, end := t.In(loc).ZoneBounds()
		if end.IsZero() || !end.Before(to) {
			break
		}
		if !end.After(t) { // Go's tzset reports year ends as bounds
			t = t.Add(24 * time.Hour)
			continue
		}
		_, before := end.Add(-time.Second).In(loc).Zone()
		_, after := end.In(loc).Zone()
		if before != after {
			for _, d := range []time.Duration{-time.Hour - time.Second, -time.Second, 0, time.Second, time.Hour} {
				out = append(out, end.Add(d))
			}
		}
		t = end
	}
	return out
}
