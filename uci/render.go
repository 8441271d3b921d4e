package uci

import "strconv"

// appendEscaped is uci_escape: every single quote becomes the four bytes
// quote, backslash, quote, quote (nothing else is escaped; the caller adds
// the surrounding quotes, or none).
func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			b = append(b, `'\''`...)
		} else {
			b = append(b, s[i])
		}
	}
	return b
}

// appendQuoted is uci_print_value: the value in single quotes.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '\'')
	b = appendEscaped(b, s)
	return append(b, '\'')
}

// appendSection renders one section as uci_export_package does.
func appendSection(b []byte, s *Section, withName bool) []byte {
	b = append(b, "\nconfig "...)
	b = appendEscaped(b, s.Type)
	if !s.Anonymous || withName {
		b = append(b, ' ')
		b = appendQuoted(b, s.Name)
	}
	b = append(b, '\n')
	for _, o := range s.Options {
		kw := "\toption "
		if o.Kind == KindList {
			kw = "\tlist "
		}
		for _, v := range o.Values {
			b = append(b, kw...)
			b = appendEscaped(b, o.Name)
			b = append(b, ' ')
			b = appendQuoted(b, v)
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
	return appendSection(nil, s, false)
}

// Commit returns the exact bytes `uci commit` writes for p: every section
// in order in export format, without a package line, then one blank line.
func (p *Package) Commit() []byte {
	var b []byte
	for _, s := range p.Sections {
		b = appendSection(b, s, false)
	}
	return append(b, '\n')
}

// Export returns the output of `uci export` (withNames: `uci -n export`,
// which also names anonymous sections).
func (p *Package) Export(withNames bool) []byte {
	b := append([]byte("package "), p.Name...)
	b = append(b, '\n')
	for _, s := range p.Sections {
		b = appendSection(b, s, withNames)
	}
	return append(b, '\n')
}

// Refs returns the name `uci show` prints for each section, in order:
// anonymous sections as @type[i] (i counts every section of that type,
// named ones included) when ext is set, otherwise the real name.
func (p *Package) Refs(ext bool) []string {
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

// Show returns the output of `uci show PACKAGE` (ext: the default
// @type[i] names; !ext: `uci -X show`, generated ids).
func (p *Package) Show(ext bool) []byte {
	var b []byte
	for i, ref := range p.Refs(ext) {
		b = appendShowSection(b, p.Name, ref, p.Sections[i])
	}
	return b
}

// appendRef appends "pkg.ref", the start of every line of show, changes
// and the delta files.
func appendRef(b []byte, pkg, ref string) []byte {
	b = append(b, pkg...)
	b = append(b, '.')
	return append(b, ref...)
}

func appendShowSection(b []byte, pkg, ref string, s *Section) []byte {
	b = append(append(appendRef(b, pkg, ref), '='), s.Type...)
	b = append(b, '\n')
	for _, o := range s.Options {
		b = appendShowOption(b, pkg, ref, o)
	}
	return b
}

func appendShowOption(b []byte, pkg, ref string, o *Option) []byte {
	b = append(append(appendRef(b, pkg, ref), '.'), o.Name...)
	b = append(b, '=')
	for i, v := range o.Values {
		if i > 0 {
			b = append(b, ' ')
		}
		b = appendQuoted(b, v)
	}
	return append(b, '\n')
}
