package ucicli

import (
	"strings"

	"github.com/uciknock/uciknock/uci"
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
