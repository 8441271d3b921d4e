package door

import "github.com/uciknock/uciknock/uci"

// The helpers below edit the uci model through its exported fields only.
// A section the keeper changes is replaced by a fresh copy without Spans,
// so the safe update re-renders exactly that section and keeps every
// other section's bytes as they were.

func getOption(s *uci.Section, name string) *uci.Option {
	for _, o := range s.Options {
		if o.Name == name {
			return o
		}
	}
	return nil
}

// setOption sets a single-value option, appending it when absent, and
// reports whether the section changed.
func setOption(s *uci.Section, name, value string) bool {
	if o := getOption(s, name); o != nil {
		if o.Kind == uci.KindOption && len(o.Values) == 1 && o.Values[0] == value {
			return false
		}
		o.Kind, o.Values = uci.KindOption, []string{value}
		return true
	}
	s.Options = append(s.Options, &uci.Option{Name: name, Kind: uci.KindOption, Values: []string{value}})
	return true
}

func delOption(s *uci.Section, name string) bool {
	for i, o := range s.Options {
		if o.Name == name {
			s.Options = append(s.Options[:i:i], s.Options[i+1:]...)
			return true
		}
	}
	return false
}

// cloneSection deep-copies s without its source spans.
func cloneSection(s *uci.Section) *uci.Section {
	c := &uci.Section{Type: s.Type, Name: s.Name, Anonymous: s.Anonymous}
	c.Options = make([]*uci.Option, len(s.Options))
	for i, o := range s.Options {
		c.Options[i] = &uci.Option{Name: o.Name, Kind: o.Kind, Values: append([]string(nil), o.Values...)}
	}
	return c
}

func removeSection(p *uci.Package, i int) {
	p.Sections = append(p.Sections[:i:i], p.Sections[i+1:]...)
}

// doorIndex returns the index of the named section whose door identity
// (baseID) is id, or -1.
func doorIndex(p *uci.Package, id string) int {
	for i, s := range p.Sections {
		if !s.Anonymous && baseID(s.Name) == id {
			return i
		}
	}
	return -1
}
