package uci

import "strings"

// Section returns the section with that exact name (for anonymous
// sections, the cfgNNHHHH id), or nil.
func (p *Package) Section(name string) *Section {
	_, s := p.find(name)
	return s
}

// Lookup resolves a section reference as the uci command line does: a
// plain name, or the extended form @type[i] / @[i] (any type), where i
// counts sections of that type in order and a negative i counts from the
// end (-1 = last). It returns nil when nothing matches or ref is
// malformed.
func (p *Package) Lookup(ref string) *Section {
	if ValidName(ref) {
		return p.Section(ref)
	}
	s, err := p.lookupExt(ref)
	if err != nil {
		return nil
	}
	return s
}

// lookupExt is uci_lookup_ext_section: ErrInvalid when ref is not of the
// form @type[i]; nil, nil when it is but no section matches.
func (p *Package) lookupExt(ref string) (*Section, error) {
	if !strings.HasPrefix(ref, "@") {
		return nil, ErrInvalid
	}
	name, rest, ok := strings.Cut(ref[1:], "[")
	if !ok {
		return nil, ErrInvalid
	}
	idxStr, tail, ok := strings.Cut(rest, "]")
	if !ok || tail != "" {
		return nil, ErrInvalid
	}
	idx, n := cStrtol(idxStr)
	if n != len(idxStr) {
		return nil, ErrInvalid
	}
	if name != "" && !ValidType(name) {
		return nil, ErrInvalid
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
	for i < len(s) && isSpace(s[i]) {
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

// Get returns the named option or list, or nil.
func (s *Section) Get(name string) *Option {
	_, o := s.find(name)
	return o
}

// Value returns the first value of o ("" for nil or an empty list): the
// value of a plain option.
func (o *Option) Value() string {
	if o == nil || len(o.Values) == 0 {
		return ""
	}
	return o.Values[0]
}
