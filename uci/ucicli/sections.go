package ucicli

import (
	"github.com/uciknock/uciknock/uci"
	"github.com/uciknock/uciknock/uci/internal/syntax"
)

// The CLI edits the model the way libuci's list.c does, through the
// model's exported fields: unlike the library's edit methods, libuci
// accepts any section type here (`uci add fw 'a b'` writes a file that
// reads back differently, in libuci too) and works on the section a
// pointer resolved to, even when another section has the same name.

// addSection is uci_alloc_section (plus uci_fixup_section for an
// anonymous one, name ""): counted in Allocated, appended.
func addSection(p *uci.Package, typ, name string) *uci.Section {
	p.Allocated++
	s := &uci.Section{Type: typ, Name: name}
	if name == "" {
		s.Anonymous, s.Name = true, syntax.AnonID(p.Allocated, typ)
	}
	p.Sections = append(p.Sections, s)
	return s
}

// setOption is uci_set on an option with a value parsePtr checked: false
// when the option already holds exactly that string.
func setOption(s *uci.Section, name, value string) bool {
	if o := s.Get(name); o != nil && o.Kind == uci.KindOption && len(o.Values) == 1 && o.Values[0] == value {
		return false
	}
	s.Set(name, value)
	return true
}

// removeSection unlinks s itself (not the first section of its name).
// Allocated is not decremented, as libuci never does.
func removeSection(p *uci.Package, s *uci.Section) bool {
	for i, x := range p.Sections {
		if x == s {
			p.Sections = append(p.Sections[:i:i], p.Sections[i+1:]...)
			return true
		}
	}
	return false
}

// moveSection is uci_list_set_pos: s moves to index pos of the other
// sections (pos <= 0: first; past the end: last).
func moveSection(p *uci.Package, s *uci.Section, pos int) {
	if !removeSection(p, s) {
		return
	}
	pos = max(0, min(pos, len(p.Sections)))
	p.Sections = append(p.Sections[:pos], append([]*uci.Section{s}, p.Sections[pos:]...)...)
}
