package localtime

import "strings"

// This file reproduces, step by step, how musl 1.2 (OpenWrt 24.10 ships
// 1.2.5, plus patch 110-read_timezone_from_fs for /etc/TZ) reads a POSIX
// TZ string in src/time/__tz.c and turns an instant into an offset. It is
// deliberately literal: whatever musl makes of a string is what nft will
// use, so the quirks (missing numbers read as 0, separators skipped
// without looking, no default DST rules) are reproduced rather than
// fixed. ParseTZ in tz.go is the strict front door that refuses strings
// where the quirks matter. testdata/musl-golden.txt holds answers of a
// real musl build that the tests compare against.

// tznameMax is musl's TZNAME_MAX: names are kept up to 6 bytes.
const tznameMax = 6

// pathMax is musl's PATH_MAX; a longer TZ string is replaced by "UTC".
const pathMax = 4096

// rule is one of musl's r0/r1 arrays: kind 'M' (month.week.day), 'J'
// (1-based day, Feb 29 never counted) or 0 (0-based day); a, b, c are
// rule[1..3]; secs is rule[4], the local time of day of the change.
type rule struct {
	kind    byte
	a, b, c int32
	secs    int32
}

// cursor walks a C string: reading past the end yields NUL bytes, as the
// zero-padded mapping of /etc/TZ does in musl.
type cursor struct {
	s string
	i int
}

func (c *cursor) at(k int) byte {
	j := c.i + k
	if j < 0 || j >= len(c.s) {
		return 0
	}
	return c.s[j]
}

func (c *cursor) peek() byte { return c.at(0) }

// getint is musl's getint: unsigned decimal, no digits means 0, wraps.
func (c *cursor) getint() int32 {
	var x uint32
	for {
		d := c.peek() - '0'
		if d >= 10 {
			break
		}
		x = uint32(d) + 10*x
		c.i++
	}
	return int32(x)
}

// getoff is musl's getoff: [+-]h[:m[:s]] in seconds, sign as written.
func (c *cursor) getoff() int32 {
	neg := false
	switch c.peek() {
	case '-':
		c.i++
		neg = true
	case '+':
		c.i++
	}
	off := 3600 * c.getint()
	if c.peek() == ':' {
		c.i++
		off += 60 * c.getint()
		if c.peek() == ':' {
			c.i++
			off += c.getint()
		}
	}
	if neg {
		return -off
	}
	return off
}

func isLetter(b byte) bool { return (b|32)-'a' < 26 }

// getname is musl's getname: a <quoted> name or a run of letters; the
// whole name is skipped but only its first 6 bytes are kept.
func (c *cursor) getname() string {
	var name []byte
	n := 0
	if c.peek() == '<' {
		c.i++
		for ; c.at(n) != 0 && c.at(n) != '>'; n++ {
			if n < tznameMax {
				name = append(name, c.at(n))
			}
		}
		if c.at(n) != 0 {
			c.i++
		}
	} else {
		for ; isLetter(c.at(n)); n++ {
			if n < tznameMax {
				name = append(name, c.at(n))
			}
		}
	}
	c.i += n
	return string(name)
}

// getrule is musl's getrule; separators are skipped without looking.
func (c *cursor) getrule() rule {
	var r rule
	r.kind = c.peek()
	if r.kind != 'M' {
		if r.kind == 'J' {
			c.i++
		} else {
			r.kind = 0
		}
		r.a = c.getint()
	} else {
		c.i++
		r.a = c.getint()
		c.i++
		r.b = c.getint()
		c.i++
		r.c = c.getint()
	}
	if c.peek() == '/' {
		c.i++
		r.secs = c.getoff()
	} else {
		r.secs = 7200
	}
	return r
}

// cString cuts s at its first NUL, as C string functions would.
func cString(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return s[:i]
		}
	}
	return s
}

// isPosixForm is musl 1.2's test for a POSIX TZ string: not starting
// with ':', a name, then an offset sign or digit, or the name is exactly
// "UTC" or "GMT". Anything else names a zoneinfo file ("EST" too).
func isPosixForm(s string) bool {
	if strings.HasPrefix(s, ":") {
		return false
	}
	c := &cursor{s: s}
	name := c.getname()
	if c.i == 0 {
		return false
	}
	p := c.peek()
	return p == '+' || p == '-' || p-'0' < 10 || name == "UTC" || name == "GMT"
}

// Musl returns the zone musl 1.2 builds from the POSIX TZ string s,
// exactly as do_tzset parses it, quirks included; it never fails. It does
// not open zoneinfo files: for strings musl treats as file names (see
// isPosixForm) use LoadSystem. Use ParseTZ to find out whether a string
// means what it seems to mean.
func Musl(s string) *Zone {
	s = cString(s)
	if len(s) > pathMax+1 {
		s = "UTC"
	}
	c := &cursor{s: s}
	z := &Zone{src: s}
	z.stdName = c.getname()
	z.stdWest = c.getoff()
	z.dstName = c.getname()
	z.dstWest = z.stdWest
	if z.dstName != "" {
		z.hasDST = true
		if p := c.peek(); p == '+' || p == '-' || p-'0' < 10 {
			z.dstWest = c.getoff()
		} else {
			z.dstWest = z.stdWest - 3600
		}
	}
	if c.peek() == ',' {
		c.i++
		z.r0 = c.getrule()
	}
	if c.peek() == ',' {
		c.i++
		z.r1 = c.getrule()
	}
	return z
}

// yearToSecs is musl's __year_to_secs: y counts years since 1900; the
// result is the Unix time of 1 January 00:00 UTC of that year.
func yearToSecs(y int64) (secs int64, leap bool) {
	year := y + 1900
	leap = year%4 == 0 && (year%100 != 0 || year%400 == 0)
	return daysFromCivil(year) * 86400, leap
}

// daysFromCivil returns the days from 1970-01-01 to 1 January of year
// (proleptic Gregorian calendar), for any year.
func daysFromCivil(year int64) int64 {
	y := year - 1 // days are counted through the end of year-1
	era := floorDiv(y, 400)
	yoe := y - era*400
	days := era*146097 + yoe*365 + yoe/4 - yoe/100
	// days now counts from 0001-01-01 (year 1) minus one year offset;
	// 719162 is the day number of 1970-01-01 from 0001-01-01.
	return days - 719162
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

var secsThroughMonth = [12]int64{
	0, 31 * 86400, 59 * 86400, 90 * 86400,
	120 * 86400, 151 * 86400, 181 * 86400, 212 * 86400,
	243 * 86400, 273 * 86400, 304 * 86400, 334 * 86400,
}

// monthToSecs is musl's __month_to_secs for m in 0..11. Other values are
// undefined behaviour in musl (an out-of-bounds read); they count as 0
// here so that garbage input cannot crash us.
func monthToSecs(m int64, leap bool) int64 {
	if m < 0 || m > 11 {
		return 0
	}
	t := secsThroughMonth[m]
	if leap && m >= 2 {
		t += 86400
	}
	return t
}

func daysInMonth(m int64, leap bool) int64 {
	if m == 2 {
		if leap {
			return 29
		}
		return 28
	}
	if m < 1 || m > 12 {
		return 31 // undefined in musl (shift by a bad amount)
	}
	return 30 + ((0xad5 >> (m - 1)) & 1)
}

// ruleToSecs is musl's rule_to_secs: the rule's local wall time in year y
// (since 1900), counted as if it were UTC.
func ruleToSecs(r rule, y int64) int64 {
	t, leap := yearToSecs(y)
	if r.kind != 'M' {
		x := int64(r.a)
		if r.kind == 'J' && (x < 60 || !leap) {
			x--
		}
		t += 86400 * x
	} else {
		m, n, d := int64(r.a), int64(r.b), int64(r.c)
		t += monthToSecs(m-1, leap)
		wday := ((t + 4*86400) % (7 * 86400)) / 86400
		days := d - wday
		if days < 0 {
			days += 7
		}
		if n == 5 && days+28 >= daysInMonth(m, leap) {
			n = 4
		}
		t += 86400 * (days + 7*(n-1))
	}
	return t + int64(r.secs)
}

// posixWest is musl's __secs_to_zone for a POSIX zone and a UTC instant
// t (local=0): the offset in seconds west of UTC and whether it is
// daylight time. Like musl it picks the rules of t's UTC year; like musl
// 1.2.x it converts both rules to UTC before comparing them (checked
// against a real musl 1.2.3 build, see testdata/musl-golden.txt).
func (z *Zone) posixWest(t int64) (west int64, dst bool) {
	if !z.hasDST {
		return int64(z.stdWest), false
	}
	y := t/31556952 + 70
	for s, _ := yearToSecs(y); s > t; s, _ = yearToSecs(y) {
		y--
	}
	for s, _ := yearToSecs(y + 1); s < t; s, _ = yearToSecs(y + 1) {
		y++
	}
	t0 := ruleToSecs(z.r0, y) + int64(z.stdWest) // start rule: written in standard time
	t1 := ruleToSecs(z.r1, y) + int64(z.dstWest) // end rule: written in daylight time
	if t0 < t1 {
		if t >= t0 && t < t1 {
			return int64(z.dstWest), true
		}
		return int64(z.stdWest), false
	}
	if t >= t1 && t < t0 {
		return int64(z.stdWest), false
	}
	return int64(z.dstWest), true
}
