package ucicli

import (
	"io"
	"strings"

	"github.com/uciknock/uciknock/uci"
	"github.com/uciknock/uciknock/uci/internal/syntax"
)

// lookup is uci_lookup_ptr with a string: parse, load the package,
// resolve the section and option.
func (ss *session) lookup(tuple string) (*ptr, *loaded, error) {
	pt, err := parsePtr(tuple)
	if err != nil {
		return nil, nil, err
	}
	l, err := ss.load(pt.pkg)
	if err != nil {
		return nil, nil, err
	}
	if err := pt.resolve(l.p); err != nil {
		return nil, nil, err
	}
	return pt, l, nil
}

// sectionCmd is uci_do_section_cmd: get, set, delete, rename, revert,
// reorder, add_list, del_list.
func (ss *session) sectionCmd(cmd string, argv []string) int {
	if len(argv) != 2 {
		return 255
	}
	pt, l, err := ss.lookup(argv[1])
	if err != nil {
		ss.perror(err)
		return 1
	}
	switch cmd {
	case "get", "revert":
		if pt.hasValue {
			return 1
		}
	}
	switch cmd {
	case "get":
		return ss.get(pt)
	case "revert":
		ss.revert(l, pt)
		return 0
	case "rename", "ren":
		err = l.rename(pt, true)
	case "set":
		err = l.set(pt, true)
	case "add_list":
		err = l.addList(pt, true)
	case "del_list":
		err = l.delList(pt, true)
	case "reorder":
		if pt.s == nil || !pt.hasValue {
			ss.perror(uci.ErrNotFound)
			return 1
		}
		l.reorder(pt.s, cStrtoul(pt.value), true)
	default: // del, delete
		if pt.hasValue {
			if _, n := scanInt(pt.value); n == 0 {
				return 1
			}
		}
		err = l.del(pt, true)
	}
	if err == nil {
		err = ss.save(l)
	}
	if err != nil {
		ss.perror(err)
		return 1
	}
	return 0
}

func (ss *session) get(pt *ptr) int {
	if !pt.complete {
		ss.perror(uci.ErrNotFound)
		return 1
	}
	switch {
	case pt.o != nil:
		io.WriteString(ss.stdout, ss.showValue(pt.o, false))
	case pt.s != nil:
		io.WriteString(ss.stdout, pt.s.Type+"\n")
	}
	return 0
}

// showValue is uci_show_value: quote=false is `uci get`, which prints a
// plain value raw and quotes only list items containing blanks.
func (ss *session) showValue(o *uci.Option, quote bool) string {
	var b []byte
	if o.Kind == uci.KindOption {
		if quote {
			b = syntax.AppendQuoted(b, o.Value())
		} else {
			b = append(b, o.Value()...)
		}
		return string(append(b, '\n'))
	}
	for i, v := range o.Values {
		if i > 0 {
			b = append(b, ss.delim...)
		}
		if !quote && !strings.ContainsAny(v, " \t\r\n") {
			b = append(b, v...)
		} else {
			b = syntax.AppendQuoted(b, v)
		}
	}
	return string(append(b, '\n'))
}

// add is uci_do_add; like uci, its exit status is the libuci error code.
func (ss *session) add(argv []string) int {
	if len(argv) != 3 {
		return 255
	}
	l, err := ss.load(argv[1])
	if err == nil {
		s := l.add(argv[2], true)
		if err = ss.save(l); err == nil {
			io.WriteString(ss.stdout, s.Name+"\n")
			return 0
		}
	}
	ss.perror(err)
	return int(codeOf(err))
}

// packageCmd is uci_do_package_cmd: show, export, commit, changes for
// one package or, without an argument, every config file.
func (ss *session) packageCmd(cmd string, argv []string) int {
	if len(argv) > 2 {
		return 255
	}
	if len(argv) == 2 {
		return ss.packageCmd1(cmd, argv[1])
	}
	configs, err := ss.listConfigs()
	if err != nil {
		ss.perror(err)
		return 1
	}
	for _, name := range configs {
		ss.packageCmd1(cmd, name)
	}
	return 0
}

func (ss *session) packageCmd1(cmd, tuple string) int {
	pt, l, err := ss.lookup(tuple)
	if err != nil {
		ss.perror(err)
		return 1
	}
	switch cmd {
	case "changes":
		var b []byte
		for _, d := range l.saved {
			b = appendChange(b, l.p.Name, d)
		}
		ss.stdout.Write(b)
	case "commit":
		if ss.noCommit {
			return 0
		}
		if err := ss.commit(l); err != nil {
			ss.perror(err)
			return 1
		}
	case "export":
		ss.stdout.Write(export(l.p, ss.exportName))
	default: // show
		if !pt.complete {
			ss.perror(uci.ErrNotFound)
			return 1
		}
		ss.show(l.p, pt)
	}
	return 0
}

func (ss *session) show(p *uci.Package, pt *ptr) {
	var b []byte
	switch {
	case !pt.hasSection:
		for i, ref := range refs(p, ss.showExt) {
			b = ss.appendShowSection(b, p.Name, ref, p.Sections[i])
		}
	case pt.o != nil:
		b = ss.appendShowOption(b, p.Name, pt.s.Name, pt.o)
	default:
		b = ss.appendShowSection(b, p.Name, pt.s.Name, pt.s)
	}
	ss.stdout.Write(b)
}

func (ss *session) appendShowSection(b []byte, pkg, ref string, s *uci.Section) []byte {
	b = append(b, pkg+"."+ref+"="+s.Type+"\n"...)
	for _, o := range s.Options {
		b = ss.appendShowOption(b, pkg, ref, o)
	}
	return b
}

func (ss *session) appendShowOption(b []byte, pkg, ref string, o *uci.Option) []byte {
	b = append(b, pkg+"."+ref+"."+o.Name+"="...)
	return append(b, ss.showValue(o, true)...)
}
