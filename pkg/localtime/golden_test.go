package localtime

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

const goldenPath = "testdata/musl-golden.txt"

// goldenTZ are the strings whose musl answers are recorded: real zones,
// rule forms real zones rarely use, and strings musl reads leniently.
var goldenTZ = []string{
	"CET-1CEST,M3.5.0,M10.5.0/3",
	"CET-1CEST,M3.5.0,M10.5.0/3\n", // /etc/TZ as OpenWrt writes it
	"EST5EDT,M3.2.0,M11.1.0",
	"AEST-10AEDT,M10.1.0,M4.1.0/3",
	"<+0330>-3:30",
	"IST-2IDT,M3.4.4/26,M10.5.0",
	"<-02>2<-01>,M3.5.0/-1,M10.5.0/0",
	"<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45",
	"NST3:30NDT,M3.2.0,M11.1.0",
	"<+14>-14",
	"<-12>12",
	"IST-1GMT0,M10.5.0,M3.5.0/1",
	"GMT0BST,M3.5.0/1,M10.5.0",
	"<-04>4<-03>,M9.1.6/24,M4.1.6/24",
	"<+00>0<+02>-2,M3.5.0/1,M10.5.0/3",
	"UTC", "UTC0", "GMT0",
	"XXX3YYY,J60/0,J300/1",
	"XXX-3YYY,59/-1,299/25",
	"<-0130>1:30<+0030>-0:30,M2.5.6/-23,M11.5.6/167",
	"ZZZ-14YYY-15,M4.1.1/0,M9.4.2/12:34:56",
	// Lenient readings: no rules, long names, truncated rule, junk.
	"CET-1CEST",
	"ABCDEFGH-1",
	"<ABCDEFG>-2",
	"CET-1CEST,M3.5",
	"CET-1CEST,M3.5.0",
	"AAA+",
	"XYZ-1:2:3ABC+4,J,/",
}

// TestMuslGolden compares the emulation with answers recorded from a real
// musl (testdata/musl-probe.c, Debian musl 1.2.3): offsets of instants
// around every change 2024-2037, and nft's reading of wall times.
func TestMuslGolden(t *testing.T) {
	if probe := os.Getenv("MUSL_PROBE"); probe != "" {
		writeGolden(t, probe)
	}
	data, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Split(line, "\t")
		tz, err := strconv.Unquote(f[0])
		if err != nil || len(f) < 4 {
			t.Fatalf("%s:%d: bad line", goldenPath, i+1)
		}
		z := Musl(tz)
		switch f[1] {
		case "L":
			sec, _ := strconv.ParseInt(f[2], 10, 64)
			east, dst := z.Offset(time.Unix(sec, 0))
			if got := fmt.Sprintf("%d %v", east, dst); got != f[3] {
				t.Errorf("%s:%d: TZ %q at %d: got %s, musl %s", goldenPath, i+1, tz, sec, got, f[3])
			}
		case "N":
			w, err := time.Parse(time.DateTime, f[2])
			if err != nil {
				t.Fatal(err)
			}
			if got := strconv.FormatInt(z.nftRead(w.Unix()), 10); got != f[3] {
				t.Errorf("%s:%d: TZ %q: nft reads %q as %s, musl %s", goldenPath, i+1, tz, f[2], got, f[3])
			}
		}
		n++
	}
	if n < 1000 {
		t.Fatalf("only %d golden lines", n)
	}
}

// changes returns the instants in [from, to) where z's offset changes,
// found by hourly steps and bisection to the second.
func changes(z *Zone, from, to time.Time) []int64 {
	var out []int64
	prev, _ := z.west(from.Unix())
	for s := from.Unix() + 3600; s < to.Unix(); s += 3600 {
		cur, _ := z.west(s)
		if cur == prev {
			continue
		}
		lo, hi := s-3600, s // offset(lo) = prev, offset(hi) = cur
		for hi-lo > 1 {
			mid := (lo + hi) / 2
			if w, _ := z.west(mid); w == prev {
				lo = mid
			} else {
				hi = mid
			}
		}
		out = append(out, hi)
		prev = cur
	}
	return out
}

func writeGolden(t *testing.T, probe string) {
	t.Helper()
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2038, 1, 1, 0, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	for _, tz := range goldenTZ {
		z := Musl(tz)
		var ls, ns []string
		for s := from.Unix(); s < to.Unix(); s += 61*86400 + 3607 {
			ls = append(ls, strconv.FormatInt(s, 10))
		}
		for _, c := range changes(z, from, to) {
			for _, d := range []int64{-3601, -1, 0, 1, 1800} {
				ls = append(ls, strconv.FormatInt(c+d, 10))
				if d == -3601 || d == 1 {
					continue
				}
				at := time.Unix(c+d, 0)
				wall := z.Wall(at)
				for _, w := range []time.Time{wall, wall.Add(-time.Hour), wall.Add(time.Hour)} {
					ns = append(ns, w.Format(time.DateTime))
				}
			}
		}
		var in bytes.Buffer
		for _, l := range ls {
			fmt.Fprintf(&in, "L %s\n", l)
		}
		for _, w := range ns {
			fmt.Fprintf(&in, "N %s\n", w)
		}
		cmd := exec.Command(probe, tz)
		cmd.Stdin = &in
		res, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v", probe, err)
		}
		sc := bufio.NewScanner(bytes.NewReader(res))
		q := strconv.Quote(tz)
		for _, l := range ls {
			sc.Scan()
			var off int64
			var isdst int
			fmt.Sscanf(sc.Text(), "%d %d", &off, &isdst)
			fmt.Fprintf(&out, "%s\tL\t%s\t%d %v\n", q, l, off, isdst != 0)
		}
		for _, w := range ns {
			sc.Scan()
			fmt.Fprintf(&out, "%s\tN\t%s\t%s\n", q, w, sc.Text())
		}
	}
	if err := os.WriteFile(goldenPath, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
