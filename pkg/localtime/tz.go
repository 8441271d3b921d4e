package localtime

import (
	"fmt"
	"strconv"
)

// SyntaxError reports a TZ string that is not a valid POSIX TZ string, or
// one that musl would read differently from what it seems to say.
type SyntaxError struct {
	TZ     string // the whole string
	Offset int    // byte offset of the problem in TZ
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("TZ %q: byte %d: %s", e.TZ, e.Offset, e.Msg)
}

// strictParser checks the POSIX grammar with the limits below; the values
// themselves are then taken from Musl, so strict and lenient readings can
// never disagree on a string that passes.
//
//	tz     = name [offset]                      (no offset only when nothing follows: "UTC")
//	       | name offset name [offset] "," rule "," rule
//	name   = 3+ letters | "<" 3+ of [A-Za-z0-9+-] ">"   (musl keeps 6 bytes of it)
//	offset = [+-] hh [":" mm [":" ss]]          hh 0..24, mm and ss 0..59, 1 or 2 digits each
//	rule   = ("J" 1..365 | 0..365 | "M" 1..12 "." 1..5 "." 0..6) ["/" time]
//	time   = [+-] hh [":" mm [":" ss]]          hh 0..167 (RFC 8536 extension, musl accepts it)
type strictParser struct {
	s string
	i int
}

func (p *strictParser) fail(format string, args ...any) error {
	return &SyntaxError{TZ: p.s, Offset: p.i, Msg: fmt.Sprintf(format, args...)}
}

func (p *strictParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *strictParser) name(what string) error {
	start := p.i
	if p.peek() == '<' {
		p.i++
		for p.i < len(p.s) && p.s[p.i] != '>' {
			b := p.s[p.i]
			if !isLetter(b) && (b < '0' || b > '9') && b != '+' && b != '-' {
				return p.fail("%s name: character %q not allowed inside <>", what, b)
			}
			p.i++
		}
		if p.i >= len(p.s) {
			p.i = start
			return p.fail("%s name: '<' without closing '>'", what)
		}
		n := p.i - start - 1
		p.i++
		return nameLen(p, what, n, start)
	}
	for p.i < len(p.s) && isLetter(p.s[p.i]) {
		p.i++
	}
	return nameLen(p, what, p.i-start, start)
}

func nameLen(p *strictParser, what string, n, start int) error {
	if n < 3 {
		p.i = start
		return p.fail("%s name: need at least 3 characters, have %d", what, n)
	}
	return nil
}

// number reads 1..maxDigits decimal digits and checks the range.
func (p *strictParser) number(what string, maxDigits, lo, hi int) error {
	start := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	if p.i == start {
		return p.fail("%s: digits expected", what)
	}
	if p.i-start > maxDigits {
		p.i = start
		return p.fail("%s: more than %d digits", what, maxDigits)
	}
	v, _ := strconv.Atoi(p.s[start:p.i])
	if v < lo || v > hi {
		p.i = start
		return p.fail("%s %d out of range %d..%d", what, v, lo, hi)
	}
	return nil
}

// hms reads [+-]hh[:mm[:ss]] with hours up to maxHours.
func (p *strictParser) hms(what string, maxHours int) error {
	if b := p.peek(); b == '+' || b == '-' {
		p.i++
	}
	if err := p.number(what+" hours", 3, 0, maxHours); err != nil {
		return err
	}
	for _, unit := range []string{"minutes", "seconds"} {
		if p.peek() != ':' {
			return nil
		}
		p.i++
		if err := p.number(what+" "+unit, 2, 0, 59); err != nil {
			return err
		}
	}
	return nil
}

func (p *strictParser) rule(what string) error {
	switch p.peek() {
	case 'J':
		p.i++
		if err := p.number(what+" Julian day", 3, 1, 365); err != nil {
			return err
		}
	case 'M':
		p.i++
		if err := p.number(what+" month", 2, 1, 12); err != nil {
			return err
		}
		for _, f := range []struct {
			name   string
			lo, hi int
		}{{"week", 1, 5}, {"weekday", 0, 6}} {
			if p.peek() != '.' {
				return p.fail("%s: '.' expected before the %s", what, f.name)
			}
			p.i++
			if err := p.number(what+" "+f.name, 1, f.lo, f.hi); err != nil {
				return err
			}
		}
	default:
		if err := p.number(what+" day", 3, 0, 365); err != nil {
			return err
		}
	}
	if p.peek() == '/' {
		p.i++
		return p.hms(what+" time", 167)
	}
	return nil
}

func (p *strictParser) parse() error {
	if err := p.name("standard time"); err != nil {
		return err
	}
	if p.i == len(p.s) {
		return nil // "UTC", "GMT": musl reads the missing offset as 0
	}
	if err := p.hms("standard offset", 24); err != nil {
		return err
	}
	if p.i == len(p.s) {
		return nil
	}
	if err := p.name("daylight time"); err != nil {
		return err
	}
	if b := p.peek(); b == '+' || b == '-' || (b >= '0' && b <= '9') {
		if err := p.hms("daylight offset", 24); err != nil {
			return err
		}
	}
	if p.peek() != ',' {
		return p.fail("daylight time needs ',start,end' rules (musl has no default rules and would apply daylight time all year)")
	}
	p.i++
	if err := p.rule("start rule"); err != nil {
		return err
	}
	if p.peek() != ',' {
		return p.fail("',' and end rule expected")
	}
	p.i++
	if err := p.rule("end rule"); err != nil {
		return err
	}
	if p.i != len(p.s) {
		return p.fail("unexpected %q after the end rule", p.s[p.i:])
	}
	return nil
}

// ParseTZ parses a POSIX TZ string such as "CET-1CEST,M3.5.0,M10.5.0/3"
// strictly: it accepts the strings that musl reads as they are meant and
// refuses, with a *SyntaxError, those musl would misread (daylight time
// without rules, trailing garbage, out-of-range fields, missing numbers)
// and zoneinfo file names (":Europe/Berlin", "Europe/Berlin", "EST"; see
// LoadSystem). "UTC" and "GMT" alone mean offset 0.
func ParseTZ(s string) (*Zone, error) {
	p := &strictParser{s: s}
	if !isPosixForm(s) {
		return nil, p.fail("names a zoneinfo file, not a POSIX TZ string")
	}
	if err := p.parse(); err != nil {
		return nil, err
	}
	return Musl(s), nil
}
