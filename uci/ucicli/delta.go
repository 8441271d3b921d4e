package ucicli

import (
	"github.com/uciknock/uciknock/uci"
	"github.com/uciknock/uciknock/uci/internal/syntax"
)

// deltaCmd is libuci's enum uci_command, in its order.
type deltaCmd int

const (
	cmdAdd deltaCmd = iota
	cmdRemove
	cmdChange
	cmdRename
	cmdReorder
	cmdListAdd
	cmdListDel
)

// deltaChar is uci_command_char: the prefix of a line in a save file.
var deltaChar = [...]byte{cmdAdd: '+', cmdRemove: '-', cmdChange: 0, cmdRename: '@', cmdReorder: '^', cmdListAdd: '|', cmdListDel: '~'}

// delta is one recorded change (struct uci_delta).
type delta struct {
	cmd      deltaCmd
	section  string
	option   string
	hasOpt   bool
	value    string
	hasValue bool
}

// appendPath appends "pkg.section[.option]".
func (d delta) appendPath(b []byte, pkg string) []byte {
	b = appendRef(b, pkg, d.section)
	if d.hasOpt {
		b = append(b, '.')
		b = append(b, d.option...)
	}
	return b
}

// appendDelta is uci_delta_save: one line of a save file,
// "[op]pkg.section[.option][='value']".
func appendDelta(b []byte, pkg string, d delta) []byte {
	if c := deltaChar[d.cmd]; c != 0 {
		b = append(b, c)
	}
	b = d.appendPath(b, pkg)
	if d.cmd == cmdRemove && !d.hasValue {
		return append(b, '\n')
	}
	b = append(b, '=')
	b = syntax.AppendQuoted(b, d.value)
	return append(b, '\n')
}

// appendChange is one line of `uci changes` (cli.c uci_show_changes).
func appendChange(b []byte, pkg string, d delta) []byte {
	if d.cmd == cmdRemove {
		b = append(b, '-')
	}
	b = d.appendPath(b, pkg)
	if d.cmd != cmdRemove {
		switch d.cmd {
		case cmdListAdd:
			b = append(b, "+="...)
		case cmdListDel:
			b = append(b, "-="...)
		default:
			b = append(b, '=')
		}
		b = syntax.AppendQuoted(b, d.value)
	}
	return append(b, '\n')
}

// parseDeltaTuple is uci_parse_delta_tuple on the statement in lx: the
// whole line is one argument in the file syntax (so the quoting written
// by appendDelta is undone), then split like a command-line pointer.
func parseDeltaTuple(lx *syntax.Lexer) (deltaCmd, *ptr, error) {
	v, lerr := lx.NextArg()
	if lerr != nil {
		return 0, nil, errf(uci.CodeParse, lerr.Reason)
	}
	if lx.Cur() != 0 {
		return 0, nil, uci.ErrInvalid
	}
	arg := lx.Str(v)
	c := cmdChange
	if arg != "" {
		for k, ch := range deltaChar {
			if ch != 0 && ch == arg[0] {
				c = deltaCmd(k)
				break
			}
		}
	}
	if c != cmdChange {
		arg = arg[1:]
	}
	pt, err := parsePtr(arg)
	if err != nil {
		return 0, nil, err
	}
	switch {
	case !pt.hasSection, pt.extended, c != cmdRemove && !pt.hasValue:
		return 0, nil, uci.ErrInvalid
	case c == cmdReorder && pt.hasOpt:
		return 0, nil, uci.ErrInvalid
	case c == cmdRename && !uci.ValidName(pt.value):
		return 0, nil, uci.ErrInvalid
	case (c == cmdListAdd || c == cmdListDel) && !pt.hasOpt:
		return 0, nil, uci.ErrInvalid
	}
	return c, pt, nil
}

// replayDelta is uci_parse_delta: apply every line of a save file to l,
// adding the parsed lines to l.saved. It returns how many lines applied
// without error (libuci's "changes", which decides whether a commit
// writes anything).
func (l *loaded) replayDelta(data []byte) int {
	lx := syntax.New(data)
	changes := 0
	for !lx.EOF {
		lx.NextLine()
		if lx.At(0) == 0 {
			continue
		}
		if l.replayLine(lx) == nil {
			changes++
		}
	}
	return changes
}

func (l *loaded) replayLine(lx *syntax.Lexer) error {
	c, pt, err := parseDeltaTuple(lx)
	if err != nil {
		return err
	}
	if pt.pkg != l.p.Name {
		return uci.ErrParse
	}
	l.saved = append(l.saved, delta{cmd: c, section: pt.section, option: pt.option, hasOpt: pt.hasOpt, value: pt.value, hasValue: pt.hasValue})
	if err := pt.resolve(l.p); err != nil {
		return err
	}
	switch c {
	case cmdReorder:
		if !pt.complete || pt.s == nil {
			return uci.ErrNotFound
		}
		l.reorder(pt.s, cStrtoul(pt.value), false)
		return nil
	case cmdRename:
		return l.rename(pt, false)
	case cmdRemove:
		return l.del(pt, false)
	case cmdListAdd:
		return l.addList(pt, false)
	case cmdListDel:
		return l.delList(pt, false)
	}
	if err := l.set(pt, false); err != nil {
		return err
	}
	if c == cmdAdd && !pt.hasOpt && pt.s != nil {
		pt.s.Anonymous = true
	}
	return nil
}

// filterDelta is uci_filter_delta (uci revert): the save file without
// the lines for section (and option), re-serialised. ok is false when a
// line does not parse; libuci then leaves the file alone.
func filterDelta(pkg string, data []byte, section, option string, hasSection, hasOption bool) (out []byte, ok bool) {
	lx := syntax.New(data)
	for !lx.EOF {
		lx.NextLine()
		if lx.At(0) == 0 {
			continue
		}
		c, pt, err := parseDeltaTuple(lx)
		if err != nil {
			return nil, false
		}
		match := true
		if hasSection && (!pt.hasSection || pt.section != section) {
			match = false
		}
		if match && hasOption && (!pt.hasOpt || pt.option != option) {
			match = false
		}
		if !match {
			out = appendDelta(out, pkg, delta{cmd: c, section: pt.section, option: pt.option, hasOpt: pt.hasOpt, value: pt.value, hasValue: pt.hasValue})
		}
	}
	return out, true
}
