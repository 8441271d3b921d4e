package ucicli

import (
	"strings"

	"github.com/uciknock/uciknock/uci"
	"github.com/uciknock/uciknock/uci/internal/syntax"
)

// lookupExt is uci_lookup_ext_section: the section an extended reference
// @type[i] / @[i] (any type) names, where i counts sections of that type
// in order and a negative i counts from the end (-1 = last). It returns
// ErrInvalid when ref is not of that form, nil, nil when no section
// matches.
func lookupExt(p *uci.Package, ref string) (*uci.Section, error) {
	if !strings.HasPrefix(ref, "@") {
		return nil, uci.ErrInvalid
	}
	name, rest, ok := strings.Cut(ref[1:], "[")
	if !ok {
		return nil, uci.ErrInvalid
	}
	idxStr, tail, ok := strings.Cut(rest, "]")
	if !ok || tail != "" {
		return nil, uci.ErrInvalid
	}
	idx, n := cStrtol(idxStr)
	if n != len(idxStr) {
		return nil, uci.ErrInvalid
	}
	if name != "" && !uci.ValidType(name) {
		return nil, uci.ErrInvalid
	}
	if idx < 0 {
		c := 0
		for _, s := range p.Sections {
			if name == "" || s.Type == name {
				c++
			}
		}
		idx += c
	}
	c := 0
	for _, s := range p.Sections {
		if name != "" && s.Type != name {
			continue
		}
		if idx == c {
			return s, nil
		}
		c++
	}
	return nil, nil
}

// cStrtol is strtol(s, &end, 10) narrowed to a C int: leading white
// space, an optional sign, digits. It returns the value and how many
// bytes were used (0 when there are no digits, as strtol sets end = s).
func cStrtol(s string) (int, int) {
	i := 0
	for i < len(s) && syntax.IsSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var u uint64
	over := false
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		d := uint64(s[i] - '0')
		if u > (1<<63-d)/10 {
			over = true
		} else {
			u = u*10 + d
		}
		i++
	}
	if i == start {
		return 0, 0
	}
	// long (64-bit) saturates at LONG_MAX/LONG_MIN, then the assignment
	// to int keeps the low 32 bits.
	var v int64
	switch {
	case over && neg:
		v = -1 << 63
	case over || (!neg && u == 1<<63):
		v = 1<<63 - 1
	case neg:
		v = -int64(u)
	default:
		v = int64(u)
	}
	return int(int32(v)), i
}
