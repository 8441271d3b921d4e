package uci

import "github.com/uciknock/uciknock/uci/internal/syntax"

// The operations in this file are libuci's list.c primitives with their
// exact side effects (allocation counter, positions, no-op cases). The
// parser and the CLI (uci/ucicli, which edits as libuci does, through
// AddSection, RemoveSection and MoveSection) build on them; the exported
// edit methods in edit.go wrap them with validation.

// AddSection is uci_alloc_section: it appends a section of type typ named
// name and counts it in Allocated. Name "" makes an anonymous section
// (uci_add_section) whose cfgNNHHHH id is fixed now, from the counter and
// the type only. Like libuci it checks neither typ nor name (`uci add fw
// 'a b'` writes a file that reads back differently); Add and AddNamed are
// the checked forms.
func (p *Package) AddSection(typ, name string) *Section {
	p.Allocated++
	s := &Section{Type: typ, Name: name}
	if name == "" {
		s.Anonymous, s.Name = true, syntax.AnonID(p.Allocated, typ)
	}
	p.Sections = append(p.Sections, s)
	return s
}

// find is uci_lookup_list over sections: the first with that name.
func (p *Package) find(name string) (int, *Section) {
	for i, s := range p.Sections {
		if s.Name == name {
			return i, s
		}
	}
	return -1, nil
}

func (p *Package) index(s *Section) int {
	for i, x := range p.Sections {
		if x == s {
			return i
		}
	}
	return -1
}

// RemoveSection unlinks s itself (not the first section of its name) and
// reports whether it was in p. Allocated is not decremented (libuci never
// does), so later anonymous ids keep counting.
func (p *Package) RemoveSection(s *Section) bool {
	i := p.index(s)
	if i < 0 {
		return false
	}
	copy(p.Sections[i:], p.Sections[i+1:])
	p.Sections[len(p.Sections)-1] = nil
	p.Sections = p.Sections[:len(p.Sections)-1]
	return true
}

// MoveSection is uci_list_set_pos: s moves to index pos of the other
// sections (pos <= 0: first; past the end: last). Nothing happens when s
// is not in p.
func (p *Package) MoveSection(s *Section, pos int) {
	if !p.RemoveSection(s) {
		return
	}
	if pos < 0 {
		pos = 0
	}
	if pos > len(p.Sections) {
		pos = len(p.Sections)
	}
	p.Sections = append(p.Sections, nil)
	copy(p.Sections[pos+1:], p.Sections[pos:])
	p.Sections[pos] = s
}

// find is uci_lookup_list over options.
func (s *Section) find(name string) (int, *Option) {
	for i, o := range s.Options {
		if o.Name == name {
			return i, o
		}
	}
	return -1, nil
}

// setOption is uci_set with a non-empty value: a new option is appended,
// a changed one keeps its place (a list becomes a plain option). It
// reports false when the option already holds exactly that string.
func (s *Section) setOption(name, value string) bool {
	i, o := s.find(name)
	return s.setOptionAt(i, o, name, value)
}

// setOptionAt is setOption with the option already looked up (i, o from
// find; o nil when absent).
func (s *Section) setOptionAt(i int, o *Option, name, value string) bool {
	if o == nil {
		s.Options = append(s.Options, newOption(name, KindOption, value))
		return true
	}
	if o.Kind == KindOption && len(o.Values) == 1 && o.Values[0] == value {
		return false
	}
	s.Options[i] = newOption(name, KindOption, value)
	return true
}

// newOption allocates an option and its first value together (one
// allocation instead of two: parsing is dominated by them).
func newOption(name string, kind OptionKind, value string) *Option {
	b := &struct {
		o Option
		v [1]string
	}{}
	b.v[0] = value
	b.o = Option{Name: name, Kind: kind, Values: b.v[:1:1]}
	return &b.o
}

// addListItem is uci_add_list: append to a list; a plain option becomes
// a list in place with its old value first; a new list is appended.
func (s *Section) addListItem(name, value string) {
	i, o := s.find(name)
	s.addListItemAt(i, o, name, value)
}

// addListItemAt is addListItem with the option already looked up.
func (s *Section) addListItemAt(i int, o *Option, name, value string) {
	switch {
	case o == nil:
		s.Options = append(s.Options, newOption(name, KindList, value))
	case o.Kind == KindList:
		o.Values = append(o.Values, value)
	default:
		s.Options[i] = &Option{Name: name, Kind: KindList, Values: append(o.Values[:len(o.Values):len(o.Values)], value)}
	}
}

// delListValue is uci_del_list: drop every item equal to value. Plain
// options are left alone. It reports whether libuci records a change
// (it does for any list, even when nothing matched).
func (s *Section) delListValue(name, value string) bool {
	_, o := s.find(name)
	if o == nil || o.Kind != KindList {
		return false
	}
	kept := o.Values[:0]
	for _, v := range o.Values {
		if v != value {
			kept = append(kept, v)
		}
	}
	for i := len(kept); i < len(o.Values); i++ {
		o.Values[i] = ""
	}
	o.Values = kept
	return true
}

// removeOption unlinks the named option.
func (s *Section) removeOption(name string) bool {
	i, o := s.find(name)
	if o == nil {
		return false
	}
	copy(s.Options[i:], s.Options[i+1:])
	s.Options[len(s.Options)-1] = nil
	s.Options = s.Options[:len(s.Options)-1]
	return true
}
