package localtime

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Zone is a time zone as musl sees it: either POSIX rules or a TZif file.
// A Zone is immutable and safe for concurrent use.
type Zone struct {
	src              string // the TZ string, or "TZif <name>"
	stdName, dstName string
	stdWest, dstWest int32 // seconds west of UTC, as musl's __timezone/dst_off
	hasDST           bool
	r0, r1           rule
	loc              *time.Location // set for TZif zones only
}

// UTC returns the zone musl falls back to when it finds no time zone
// ("UTC", offset 0).
func UTC() *Zone { return Musl("UTC") }

// String returns the TZ string the zone came from, or "TZif NAME".
func (z *Zone) String() string { return z.src }

// Offset returns the offset of local time from UTC at instant t in seconds
// east (CET: 3600) and whether daylight-saving time is in effect.
func (z *Zone) Offset(t time.Time) (east int, dst bool) {
	west, dst := z.west(t.Unix())
	return int(-west), dst
}

func (z *Zone) west(t int64) (int64, bool) {
	if z.loc != nil {
		lt := time.Unix(t, 0).In(z.loc)
		_, east := lt.Zone()
		return -int64(east), lt.IsDST()
	}
	return z.posixWest(t)
}

// Wall returns the local wall-clock time of instant t as musl's
// localtime_r computes it, as a time.Time in time.UTC whose fields are the
// local fields (so Format prints local time).
func (z *Zone) Wall(t time.Time) time.Time {
	sec := t.Unix()
	west, _ := z.west(sec)
	return time.Unix(sec-west, int64(t.Nanosecond())).UTC()
}

// StopDateLayout is fw4's stop_date format with a time of day.
const StopDateLayout = "2006-01-02T15:04:05"

// StopDate returns the value for fw4's `option stop_date` that makes the
// kernel stop matching the rule no later than instant t.
//
// nft turns the string W back into an instant as W - gmtoff(W), looking up
// the offset at W read as a UTC instant (nftables src/meta.c
// parse_iso_date: timegm, then localtime_r of that value), not at the
// local time W. Near a daylight-saving change that lookup can land on the
// other side of the change, so the plain wall time of t could be read as
// up to one DST delta later than t: the door would stay open too long. In
// the repeated hour and in the skipped hour alike, StopDate therefore
// chooses, among the wall times the zone's offsets give for t, the latest
// one that nft reads as t or earlier. The door then closes on time or up
// to one DST delta early, never late. Away from changes the result is just
// Wall(t), to the second (fractions are dropped, which is earlier too).
//
// fw4 accepts years 1970..2038 only; doors expire within hours, so callers
// only need to mind that range in the late 2030s.
func (z *Zone) StopDate(t time.Time) string {
	sec := t.Unix()
	best, found := int64(0), false
	for _, west := range z.candidateWests(sec) {
		w := sec - west // local wall clock, counted as if it were UTC
		if z.nftRead(w) <= sec && (!found || w > best) {
			best, found = w, true
		}
	}
	// For POSIX zones the largest west offset always qualifies; for TZif
	// zones step back until a wall time qualifies (bounded: 2 days).
	for step := 0; !found && step < 192; step++ {
		w := sec - int64(step)*900
		if z.nftRead(w) <= sec {
			best, found = w, true
		}
	}
	return time.Unix(best, 0).UTC().Format(StopDateLayout)
}

// nftRead is the instant nft makes of wall clock w: w - gmtoff(w).
func (z *Zone) nftRead(w int64) int64 {
	west, _ := z.west(w)
	return w + west
}

// candidateWests lists the offsets that can be in force within a day of
// t (every offset a POSIX zone has; for TZif, those seen around t).
func (z *Zone) candidateWests(t int64) []int64 {
	if z.loc == nil {
		if z.hasDST {
			return []int64{int64(z.stdWest), int64(z.dstWest)}
		}
		return []int64{int64(z.stdWest)}
	}
	var out []int64
	for k := int64(-104); k <= 104; k++ {
		w, _ := z.west(t + k*900)
		seen := false
		for _, o := range out {
			seen = seen || o == w
		}
		if !seen {
			out = append(out, w)
		}
	}
	return out
}

// Load reads a TZ file such as /etc/TZ (OpenWrt writes it from
// system.@system[0].timezone) and parses it with ParseTZ; one trailing
// newline is ignored. A missing or empty file means UTC, as for musl.
// Errors name the file.
func Load(path string) (*Zone, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return UTC(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("localtime: %w", err)
	}
	s := strings.TrimRight(cString(string(data)), "\r\n")
	if s == "" {
		return UTC(), nil
	}
	z, err := ParseTZ(s)
	if err != nil {
		return nil, fmt.Errorf("localtime: %s: %w", path, err)
	}
	return z, nil
}

// zoneinfoDirs is musl's search path for relative zoneinfo names.
var zoneinfoDirs = []string{"/usr/share/zoneinfo/", "/share/zoneinfo/", "/etc/zoneinfo/"}

// LoadSystem returns the zone a musl program such as nft uses on the
// system whose file tree starts at root ("/" on the router): the contents
// of /etc/TZ (up to a NUL, newline included, exactly as musl maps the
// file); if that is missing or empty, "/etc/localtime"; a string that
// names a file is looked up as musl does (absolute, or relative to the
// zoneinfo directories) and read as TZif; a file that is missing or not
// TZif means UTC. $TZ is not consulted: the firewall runs without it.
//
// The result is musl's reading even when it is not what the string seems
// to say; in that case LoadSystem returns the zone AND an error wrapping
// the *SyntaxError, so the caller can warn and still compute the times nft
// will use. A nil zone means the files could not be read.
func LoadSystem(root string) (*Zone, error) {
	tzPath := filepath.Join(root, "etc", "TZ")
	data, err := os.ReadFile(tzPath)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("localtime: %w", err)
	}
	s := cString(string(data))
	if s == "" {
		s = "/etc/localtime"
	}
	if len(s) > pathMax+1 {
		s = "UTC"
	}
	if !isPosixForm(s) {
		return loadTZif(root, s)
	}
	z := Musl(s)
	if _, err := ParseTZ(strings.TrimRight(s, "\r\n\t ")); err != nil {
		return z, fmt.Errorf("localtime: %s: musl reads it as %s: %w", tzPath, z.describe(), err)
	}
	return z, nil
}

func loadTZif(root, s string) (*Zone, error) {
	name := strings.TrimPrefix(s, ":")
	var paths []string
	switch {
	case strings.HasPrefix(name, "/") || strings.HasPrefix(name, "."):
		paths = []string{name}
	case len(name) <= 255 && !strings.Contains(name, "."):
		for _, dir := range zoneinfoDirs {
			paths = append(paths, dir+name)
		}
	}
	for _, p := range paths {
		data, err := os.ReadFile(filepath.Join(root, p))
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("localtime: %w", err)
		}
		if len(data) < 44 || string(data[:4]) != "TZif" {
			return UTC(), nil // musl: not TZif means UTC
		}
		loc, err := time.LoadLocationFromTZData(name, data)
		if err != nil {
			return UTC(), fmt.Errorf("localtime: %s: %w (musl may read it differently; using UTC)", p, err)
		}
		return &Zone{src: "TZif " + name, loc: loc}, nil
	}
	return UTC(), nil
}

// describe summarises a POSIX zone for error messages.
func (z *Zone) describe() string {
	if z.loc != nil {
		return z.src
	}
	d := fmt.Sprintf("std %q UTC%+ds", z.stdName, -z.stdWest)
	if z.hasDST {
		d += fmt.Sprintf(", dst %q UTC%+ds", z.dstName, -z.dstWest)
	}
	return d
}
