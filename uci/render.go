package uci

import "github.com/uciknock/uciknock/uci/internal/syntax"

// appendSection renders one section as uci_export_package does
// (anonymous sections without their id, as `uci commit` writes them).
func appendSection(b []byte, s *Section) []byte {
	b = append(b, "\nconfig "...)
	b = syntax.AppendEscaped(b, s.Type)
	if !s.Anonymous {
		b = append(b, ' ')
		b = syntax.AppendQuoted(b, s.Name)
	}
	b = append(b, '\n')
	for _, o := range s.Options {
		kw := "\toption "
		if o.Kind == KindList {
			kw = "\tlist "
		}
		for _, v := range o.Values {
			b = append(b, kw...)
			b = syntax.AppendEscaped(b, o.Name)
			b = append(b, ' ')
			b = syntax.AppendQuoted(b, v)
			b = append(b, '\n')
		}
	}
	return b
}

// RenderSection renders one section exactly as `uci commit` writes it:
// "\nconfig TYPE ['NAME']\n" then one "\toption NAME 'VALUE'\n" or
// "\tlist NAME 'ITEM'\n" line per value. Anonymous sections get no name.
// The type and option names are not quoted (libuci writes them raw).
func RenderSection(s *Section) []byte {
	return appendSection(nil, s)
}

// Commit returns the exact bytes `uci commit` writes for p: every section
// in order in export format, without a package line, then one blank line.
func (p *Package) Commit() []byte {
	var b []byte
	for _, s := range p.Sections {
		b = appendSection(b, s)
	}
	return append(b, '\n')
}
