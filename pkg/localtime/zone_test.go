package localtime

import (
	"os"
	"strings"
	"testing"
	"time"
)

// ianaFooters are the POSIX strings that tzdata 2025b ends each TZif file
// with (the part musl applies after the last listed transition); the
// test checks the installed files still say so.
var ianaFooters = []struct{ zone, tz string }{
	{"Europe/Berlin", "CET-1CEST,M3.5.0,M10.5.0/3"},
	{"America/New_York", "EST5EDT,M3.2.0,M11.1.0"},
	{"Australia/Sydney", "AEST-10AEDT,M10.1.0,M4.1.0/3"},
	{"Asia/Tehran", "<+0330>-3:30"},
	{"Asia/Jerusalem", "IST-2IDT,M3.4.4/26,M10.5.0"},
	{"America/Nuuk", "<-02>2<-01>,M3.5.0/-1,M10.5.0/0"},
	{"Pacific/Chatham", "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45"},
	{"America/St_Johns", "NST3:30NDT,M3.2.0,M11.1.0"},
	{"Pacific/Kiritimati", "<+14>-14"},
	{"Europe/Dublin", "IST-1GMT0,M10.5.0,M3.5.0/1"},
	{"Europe/London", "GMT0BST,M3.5.0/1,M10.5.0"},
	{"America/Santiago", "<-04>4<-03>,M9.1.6/24,M4.1.6/24"},
	{"Antarctica/Troll", "<+00>0<+02>-2,M3.5.0/1,M10.5.0/3"},
	{"Pacific/Honolulu", "HST10"},
	{"UTC", "UTC0"},
}

// TestAgainstIANA compares musl's reading of each POSIX string with Go's
// evaluation of the real zoneinfo file, 2024 to 2037, including the
// seconds around every change.
func TestAgainstIANA(t *testing.T) {
	if _, err := os.Stat("/usr/share/zoneinfo/Europe/Berlin"); err != nil {
		t.Skip("no /usr/share/zoneinfo; TestHandTable and TestAgainstGoTZset cover the rules")
	}
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2038, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range ianaFooters {
		t.Run(c.zone, func(t *testing.T) {
			data, err := os.ReadFile("/usr/share/zoneinfo/" + c.zone)
			if err != nil {
				t.Skipf("zone not installed: %v", err)
			}
			lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
			if footer := lines[len(lines)-1]; footer != c.tz {
				t.Skipf("installed tzdata footer is %q, table has %q", footer, c.tz)
			}
			loc, err := time.LoadLocation(c.zone)
			if err != nil {
				t.Fatal(err)
			}
			z, err := ParseTZ(c.tz)
			if err != nil {
				t.Fatal(err)
			}
			for _, at := range sampleInstants(from, to, 7*time.Hour+13*time.Minute, loc) {
				_, want := at.In(loc).Zone()
				got, _ := z.Offset(at)
				if got != want {
					t.Fatalf("%v: offset %d, zoneinfo says %d", at, got, want)
				}
				wall := at.In(loc).Format(StopDateLayout)
				if g := z.Wall(at).Format(StopDateLayout); g != wall {
					t.Fatalf("%v: wall %s, zoneinfo says %s", at, g, wall)
				}
			}
		})
	}
}

// TestAgainstGoTZset compares musl's reading with Go's own POSIX TZ
// evaluator (a footer-only TZif), for rule forms real zones rarely use.
func TestAgainstGoTZset(t *testing.T) {
	tzs := []string{
		"CET-1CEST,M3.5.0,M10.5.0/3",
		"EST5EDT,M3.2.0/2:00:00,M11.1.0/2:00:00",
		"AEST-10AEDT,M10.1.0,M4.1.0/3",
		"XXX3YYY,J60/0,J300/1",    // Julian, Feb 29 never counted
		"XXX-3YYY,59/-1,299/25",   // zero-based days, negative and >24 h times
		"ABC+4:30DEF+3,J100,J200", // half-hour offsets, explicit DST offset
		"<-0130>1:30<+0030>-0:30,M2.5.6/-23,M11.5.6/167",
		"ZZZ-14YYY-15,M4.1.1/0,M9.4.2/12:34:56",
		"WWW12VVV11,M5.2.3,M8.3.4",
		"<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45",
		"IST-1GMT0,M10.5.0,M3.5.0/1", // "negative DST": winter is the DST part
	}
	from := time.Date(2024, 1, 3, 0, 0, 0, 0, time.UTC)
	to := time.Date(2037, 12, 28, 0, 0, 0, 0, time.UTC)
	for _, tz := range tzs {
		t.Run(tz, func(t *testing.T) {
			z, err := ParseTZ(tz)
			if err != nil {
				t.Fatal(err)
			}
			loc, ok := goZone(t, tz)
			if !ok {
				t.Fatalf("Go's time package rejects %q", tz)
			}
			for _, at := range sampleInstants(from, to, 5*time.Hour+17*time.Minute, loc) {
				_, want := at.In(loc).Zone()
				if got, _ := z.Offset(at); got != want {
					t.Fatalf("%v: offset %d, Go says %d", at, got, want)
				}
			}
		})
	}
}

// TestHandTable pins transitions computed by hand from the rules, so the
// package is checked even where no zoneinfo is installed.
func TestHandTable(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		tz, at, wall string
		dst          bool
	}{
		// Berlin 2026: CEST from 29 Mar 01:00 UTC to 25 Oct 01:00 UTC.
		{"CET-1CEST,M3.5.0,M10.5.0/3", "2026-03-29T00:59:59Z", "2026-03-29T01:59:59", false},
		{"CET-1CEST,M3.5.0,M10.5.0/3", "2026-03-29T01:00:00Z", "2026-03-29T03:00:00", true},
		{"CET-1CEST,M3.5.0,M10.5.0/3", "2026-10-25T00:59:59Z", "2026-10-25T02:59:59", true},
		{"CET-1CEST,M3.5.0,M10.5.0/3", "2026-10-25T01:00:00Z", "2026-10-25T02:00:00", false},
		{"CET-1CEST,M3.5.0,M10.5.0/3", "2026-11-25T20:30:00Z", "2026-11-25T21:30:00", false},
		// New York 2026: EDT from 8 Mar 07:00 UTC to 1 Nov 06:00 UTC.
		{"EST5EDT,M3.2.0,M11.1.0", "2026-03-08T06:59:59Z", "2026-03-08T01:59:59", false},
		{"EST5EDT,M3.2.0,M11.1.0", "2026-03-08T07:00:00Z", "2026-03-08T03:00:00", true},
		{"EST5EDT,M3.2.0,M11.1.0", "2026-11-01T05:59:59Z", "2026-11-01T01:59:59", true},
		{"EST5EDT,M3.2.0,M11.1.0", "2026-11-01T06:00:00Z", "2026-11-01T01:00:00", false},
		// Sydney 2027: AEDT until 4 Apr 16:00 UTC (3:00 AEDT), again from
		// 2 Oct 16:00 UTC (2:00 AEST) -- "M10.1.0" is Sunday 3 Oct 2027.
		{"AEST-10AEDT,M10.1.0,M4.1.0/3", "2027-04-03T15:59:59Z", "2027-04-04T02:59:59", true},
		{"AEST-10AEDT,M10.1.0,M4.1.0/3", "2027-04-03T16:00:00Z", "2027-04-04T02:00:00", false},
		{"AEST-10AEDT,M10.1.0,M4.1.0/3", "2027-10-02T15:59:59Z", "2027-10-03T01:59:59", false},
		{"AEST-10AEDT,M10.1.0,M4.1.0/3", "2027-10-02T16:00:00Z", "2027-10-03T03:00:00", true},
		{"<+0330>-3:30", "2030-06-01T12:00:00Z", "2030-06-01T15:30:00", false},
		{"UTC0", "2030-06-01T12:00:00Z", "2030-06-01T12:00:00", false},
		{"GMT0", "2030-06-01T12:00:00Z", "2030-06-01T12:00:00", false},
		{"UTC", "2030-06-01T12:00:00Z", "2030-06-01T12:00:00", false},
		{"<-12>12", "2030-06-01T12:00:00Z", "2030-06-01T00:00:00", false},
		{"<+14>-14", "2030-06-01T12:00:00Z", "2030-06-02T02:00:00", false},
		// Julian J60 is 1 March even in leap years; 59 (zero-based) is 29 Feb.
		{"AAA0BBB,J60/0,J300", "2028-02-29T23:59:59Z", "2028-02-29T23:59:59", false},
		{"AAA0BBB,J60/0,J300", "2028-03-01T00:00:00Z", "2028-03-01T01:00:00", true},
		{"AAA0BBB,59/0,J300", "2028-02-29T00:00:00Z", "2028-02-29T01:00:00", true},
		// Jerusalem: /26 on the Thursday = Friday 02:00 IST (00:00 UTC).
		{"IST-2IDT,M3.4.4/26,M10.5.0", "2026-03-26T23:59:59Z", "2026-03-27T01:59:59", false},
		{"IST-2IDT,M3.4.4/26,M10.5.0", "2026-03-27T00:00:00Z", "2026-03-27T03:00:00", true},
		// Nuuk: /-1 = Saturday 22:00 local -02 = Sunday 01:00 UTC... of the
		// day before the last Sunday: Sat 28 Mar 2026 23:00 -02.
		{"<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "2026-03-29T00:59:59Z", "2026-03-28T22:59:59", false},
		{"<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "2026-03-29T01:00:00Z", "2026-03-29T00:00:00", true},
	}
	for _, c := range cases {
		z, err := ParseTZ(c.tz)
		if err != nil {
			t.Fatalf("%s: %v", c.tz, err)
		}
		at := utc(c.at)
		if got := z.Wall(at).Format(StopDateLayout); got != c.wall {
			t.Errorf("%s at %s: wall %s, want %s", c.tz, c.at, got, c.wall)
		}
		if _, dst := z.Offset(at); dst != c.dst {
			t.Errorf("%s at %s: dst %v, want %v", c.tz, c.at, dst, c.dst)
		}
	}
}

// TestStopDateNeverLate checks the safety property: nft reads the string
// as an instant no later than asked and at most one DST delta earlier, at
// and around every change, for several zones.
func TestStopDateNeverLate(t *testing.T) {
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2038, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range ianaFooters {
		z, err := ParseTZ(c.tz)
		if err != nil {
			t.Fatal(err)
		}
		loc, _ := goZone(t, c.tz)
		delta := int64(z.stdWest - z.dstWest)
		if delta < 0 {
			delta = -delta
		}
		for _, at := range sampleInstants(from, to, 11*time.Hour+7*time.Minute, loc) {
			s := z.StopDate(at)
			got := nftInstant(t, z, s)
			if got > at.Unix() || got < at.Unix()-delta {
				t.Fatalf("%s: StopDate(%v) = %s, nft reads %v", c.tz, at, s, time.Unix(got, 0).UTC())
			}
			_, dstNow := z.Offset(at)
			_, dstThen := z.Offset(at.Add(-26 * time.Hour))
			_, dstNext := z.Offset(at.Add(26 * time.Hour))
			if dstNow == dstThen && dstNow == dstNext && got != at.Unix() {
				t.Fatalf("%s: far from a change StopDate(%v) = %s should be exact", c.tz, at, s)
			}
		}
	}
}

// TestStopDateAmbiguous pins the choices in the repeated and skipped hours.
func TestStopDateAmbiguous(t *testing.T) {
	cases := []struct{ tz, at, want string }{
		// Berlin, 25 Oct 2026: 00:30 UTC is 02:30 CEST (first 02:30). nft
		// would read "02:30" at 02:30 UTC, i.e. CET, = 01:30 UTC: too late.
		// "01:30" reads as 00:30 UTC exactly.
		{"CET-1CEST,M3.5.0,M10.5.0/3", "2026-10-25T00:30:00Z", "2026-10-25T01:30:00"},
		{"CET-1CEST,M3.5.0,M10.5.0/3", "2026-10-25T01:30:00Z", "2026-10-25T02:30:00"},
		// Berlin, 29 Mar 2026 (02:00-03:00 skipped): 01:30 UTC = 03:30 CEST.
		{"CET-1CEST,M3.5.0,M10.5.0/3", "2026-03-29T01:30:00Z", "2026-03-29T03:30:00"},
		// New York, 8 Mar 2026: 09:00 UTC = 05:00 EDT, but nft would read
		// "05:00" at 05:00 UTC (still EST) = 10:00 UTC; "04:00" is exact.
		{"EST5EDT,M3.2.0,M11.1.0", "2026-03-08T09:00:00Z", "2026-03-08T04:00:00"},
		{"EST5EDT,M3.2.0,M11.1.0", "2026-03-08T13:00:00Z", "2026-03-08T09:00:00"},
		// New York, 1 Nov 2026: 06:30 UTC = 01:30 EST (second 01:30). nft
		// reads "02:30" at 02:30 UTC (still EDT) = 06:30 UTC: exact, and
		// later than "01:30" (read as 05:30 UTC), so "02:30" it is.
		{"EST5EDT,M3.2.0,M11.1.0", "2026-11-01T06:30:00Z", "2026-11-01T02:30:00"},
		{"UTC0", "2026-11-01T06:30:00.9Z", "2026-11-01T06:30:00"},
	}
	for _, c := range cases {
		z, err := ParseTZ(c.tz)
		if err != nil {
			t.Fatal(err)
		}
		at, err := time.Parse(time.RFC3339Nano, c.at)
		if err != nil {
			t.Fatal(err)
		}
		if got := z.StopDate(at); got != c.want {
			t.Errorf("%s: StopDate(%s) = %s, want %s", c.tz, c.at, got, c.want)
		}
	}
}
