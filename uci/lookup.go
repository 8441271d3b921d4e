package uci

// Section returns the section with that exact name (for anonymous
// sections, the cfgNNHHHH id), or nil.
func (p *Package) Section(name string) *Section {
	_, s := p.find(name)
	return s
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
