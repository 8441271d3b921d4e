package ucicli

import (
	"strconv"

	"github.com/uciknock/uciknock/uci"
)

// export is the output of `uci export` (withNames: `uci -n export`, which
// also names anonymous sections): a package line, then what `uci commit`
// writes.
func export(p *uci.Package, withNames bool) []byte {
	b := append([]byte("package "), p.Name...)
	b = append(b, '\n')
	for _, s := range p.Sections {
		if withNames && s.Anonymous {
			named := *s
			named.Anonymous = false
			s = &named
		}
		b = append(b, uci.RenderSection(s)...)
	}
	return append(b, '\n')
}

// refs returns the name `uci show` prints for each section, in order:
// anonymous sections as @type[i] (i counts every section of that type,
// named ones included) when ext is set, otherwise the real name.
func refs(p *uci.Package, ext bool) []string {
	refs := make([]string, len(p.Sections))
	count := map[string]int{}
	for i, s := range p.Sections {
		n := count[s.Type]
		count[s.Type] = n + 1
		if ext && s.Anonymous {
			refs[i] = "@" + s.Type + "[" + strconv.Itoa(n) + "]"
		} else {
			refs[i] = s.Name
		}
	}
	return refs
}

// appendRef appends "pkg.ref", the start of every line of show, changes
// and the delta files.
func appendRef(b []byte, pkg, ref string) []byte {
	b = append(b, pkg...)
	b = append(b, '.')
	return append(b, ref...)
}
