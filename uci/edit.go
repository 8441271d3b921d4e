package uci

// Exported edits. They validate names and values the way libuci's API
// does, so a model edited only through them always commits to a file
// libuci can parse (section types are the exception libuci itself has: a
// type with a ' is accepted by libuci but written unquoted; Add and
// AddNamed refuse such types).

// Set sets option name to value, like `uci set pkg.sec.name=value`: a new
// option is appended, an existing one (plain or list) is replaced in
// place by a plain option; an empty value deletes the option.
func (s *Section) Set(name, value string) error {
	if !ValidName(name) {
		return errf(CodeParse, "set option "+name)
	}
	if !ValidValue(value) {
		return errf(CodeParse, "set option "+name+": value")
	}
	if value == "" {
		s.removeOption(name)
		return nil
	}
	s.setOption(name, value)
	return nil
}

// SetList replaces option name with a list of values, keeping the
// option's position when it exists; an empty values deletes it (libuci
// cannot store an empty list in a file). Empty items are kept.
func (s *Section) SetList(name string, values []string) error {
	if !ValidName(name) {
		return errf(CodeParse, "set list "+name)
	}
	for _, v := range values {
		if !ValidValue(v) {
			return errf(CodeParse, "set list "+name+": value")
		}
	}
	if len(values) == 0 {
		s.removeOption(name)
		return nil
	}
	o := &Option{Name: name, Kind: KindList, Values: append([]string(nil), values...)}
	if i, old := s.find(name); old != nil {
		s.Options[i] = o
	} else {
		s.Options = append(s.Options, o)
	}
	return nil
}

// AddListItem appends value to list name, like `uci add_list`; a plain
// option becomes a list with its old value first.
func (s *Section) AddListItem(name, value string) error {
	if !ValidName(name) {
		return errf(CodeParse, "add_list "+name)
	}
	if !ValidValue(value) {
		return errf(CodeParse, "add_list "+name+": value")
	}
	s.addListItem(name, value)
	return nil
}

// DelListItem removes every item equal to value from list name, like
// `uci del_list`. It reports whether an item was removed.
func (s *Section) DelListItem(name, value string) bool {
	o := s.Get(name)
	if o == nil || o.Kind != KindList {
		return false
	}
	n := len(o.Values)
	s.delListValue(name, value)
	return len(o.Values) != n
}

// Del deletes option name and reports whether it existed.
func (s *Section) Del(name string) bool {
	return s.removeOption(name)
}

// SetType sets the section's type as libuci's uci_set does (`uci set
// pkg.section=type`) and reports whether it changed. Like libuci 66127cd,
// a type of another length re-creates the section, which loses the
// anonymous flag: its generated id becomes a real name that the next
// commit writes. Like assigning Type, it does not check typ (ValidType).
func (s *Section) SetType(typ string) bool {
	if s.Type == typ {
		return false
	}
	if len(s.Type) != len(typ) {
		s.Anonymous = false
	}
	s.Type = typ
	return true
}

// Add appends a new anonymous section of type typ and returns it; its
// Name is the cfgNNHHHH id libuci would give it in this package. It
// returns nil when typ is not a valid section type.
func (p *Package) Add(typ string) *Section {
	if !ValidType(typ) || containsQuote(typ) {
		return nil
	}
	return p.AddSection(typ, "")
}

// AddNamed appends a new named section. It fails when the name or type is
// invalid or a section of that name exists.
func (p *Package) AddNamed(typ, name string) (*Section, error) {
	if !ValidName(name) {
		return nil, errf(CodeInvalid, "add section "+name)
	}
	if !ValidType(typ) || containsQuote(typ) {
		return nil, errf(CodeInvalid, "add section "+name+": type "+typ)
	}
	if p.Section(name) != nil {
		return nil, errf(CodeDuplicate, "add section "+name)
	}
	return p.AddSection(typ, name), nil
}

// Delete removes the section with that name (or cfg id) and reports
// whether it existed.
func (p *Package) Delete(name string) bool {
	s := p.Section(name)
	return s != nil && p.RemoveSection(s)
}

// Rename gives section old the name new (an anonymous section becomes
// named, as with `uci rename`).
func (p *Package) Rename(old, new string) error {
	s := p.Section(old)
	if s == nil {
		return errf(CodeNotFound, "rename "+old)
	}
	if !ValidName(new) {
		return errf(CodeInvalid, "rename "+old+" to "+new)
	}
	if o := p.Section(new); o != nil && o != s {
		return errf(CodeDuplicate, "rename "+old+" to "+new)
	}
	s.Name = new
	s.Anonymous = false
	return nil
}

// Reorder moves section name to 0-based position pos (clamped), like
// `uci reorder pkg.name=pos`.
func (p *Package) Reorder(name string, pos int) error {
	s := p.Section(name)
	if s == nil {
		return errf(CodeNotFound, "reorder "+name)
	}
	p.MoveSection(s, pos)
	return nil
}

// Clone returns a deep copy of p (spans included).
func (p *Package) Clone() *Package {
	c := &Package{Name: p.Name, Allocated: p.Allocated, Sections: make([]*Section, len(p.Sections))}
	for i, s := range p.Sections {
		c.Sections[i] = s.Clone()
	}
	return c
}

// Clone returns a deep copy of s.
func (s *Section) Clone() *Section {
	c := &Section{Type: s.Type, Name: s.Name, Anonymous: s.Anonymous,
		Options: make([]*Option, len(s.Options)), Spans: append([]Span(nil), s.Spans...)}
	for i, o := range s.Options {
		c.Options[i] = &Option{Name: o.Name, Kind: o.Kind, Values: append([]string(nil), o.Values...)}
	}
	return c
}

// Equal reports whether s and t have the same type, name, anonymity and
// options (spans are ignored): whether they render the same.
func (s *Section) Equal(t *Section) bool {
	if s.Type != t.Type || s.Name != t.Name || s.Anonymous != t.Anonymous || len(s.Options) != len(t.Options) {
		return false
	}
	for i, o := range s.Options {
		u := t.Options[i]
		if o.Name != u.Name || o.Kind != u.Kind || len(o.Values) != len(u.Values) {
			return false
		}
		for k, v := range o.Values {
			if u.Values[k] != v {
				return false
			}
		}
	}
	return true
}

func containsQuote(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			return true
		}
	}
	return false
}
