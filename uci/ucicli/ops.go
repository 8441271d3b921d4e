package ucicli

import "github.com/uciknock/uciknock/uci"

// loaded is a package as libuci holds it after uci_load: the model plus
// the change records it replayed (saved_delta, shown by `uci changes`)
// and the ones made since (delta, appended to the save file by save).
type loaded struct {
	p        *uci.Package
	path     string // file it was read from
	hasDelta bool   // loaded by name from the config dir
	saved    []delta
	pending  []delta
}

func (l *loaded) record(rec bool, d delta) {
	if rec && l.hasDelta {
		l.pending = append(l.pending, d)
	}
}

// set is uci_set (rec=false: UCI_INTERNAL, as in delta replay).
func (l *loaded) set(pt *ptr, rec bool) error {
	if !pt.hasValue || (pt.s == nil && (pt.hasOpt || !pt.hasSection)) {
		return errf(uci.CodeInvalid, "set "+pt.name())
	}
	if !pt.hasOpt && pt.value != "" && !uci.ValidType(pt.value) {
		return errf(uci.CodeInvalid, "set "+pt.name()+": type")
	}
	if pt.o == nil && pt.s != nil && pt.hasOpt {
		pt.o = pt.s.Get(pt.option)
	}
	switch {
	case pt.value == "":
		if !pt.complete {
			return nil
		}
		return l.del(pt, rec)
	case pt.o == nil && pt.hasOpt:
		setOption(pt.s, pt.option, pt.value)
		pt.o = pt.s.Get(pt.option)
	case pt.s == nil:
		pt.s = l.p.AddSection(pt.value, pt.section)
	case pt.hasOpt:
		if !setOption(pt.s, pt.option, pt.value) {
			return nil
		}
		pt.o = pt.s.Get(pt.option)
	default:
		if !pt.s.SetType(pt.value) {
			return nil
		}
	}
	l.record(rec, delta{cmd: cmdChange, section: pt.section, option: pt.option, hasOpt: pt.hasOpt, value: pt.value, hasValue: true})
	return nil
}

// del is uci_delete: a section, an option, or (value = index) one item
// of a list.
func (l *loaded) del(pt *ptr, rec bool) error {
	if !pt.complete {
		return errf(uci.CodeNotFound, "delete "+pt.name())
	}
	if pt.s == nil {
		return errf(uci.CodeInvalid, "delete "+pt.name())
	}
	if pt.o != nil && pt.o.Kind == uci.KindList && pt.hasValue && pt.value != "" {
		idx, n := scanInt(pt.value)
		if n == 0 {
			return nil // libuci returns 1 without throwing
		}
		if idx >= 0 && idx < len(pt.o.Values) {
			l.record(rec, delta{cmd: cmdRemove, section: pt.section, option: pt.option, hasOpt: true, value: pt.value, hasValue: true})
			pt.o.Values = append(pt.o.Values[:idx:idx], pt.o.Values[idx+1:]...)
		}
		return nil
	}
	l.record(rec, delta{cmd: cmdRemove, section: pt.section, option: pt.option, hasOpt: pt.hasOpt})
	if pt.hasOpt {
		pt.s.Del(pt.option)
		pt.o = nil
	} else {
		l.p.RemoveSection(pt.s)
		pt.s = nil
	}
	return nil
}

// addList is uci_add_list.
func (l *loaded) addList(pt *ptr, rec bool) error {
	if pt.s == nil || !pt.hasValue || !pt.hasOpt {
		return errf(uci.CodeInvalid, "add_list "+pt.name())
	}
	pt.s.AddListItem(pt.option, pt.value) // parsePtr checked both
	l.record(rec, delta{cmd: cmdListAdd, section: pt.section, option: pt.option, hasOpt: true, value: pt.value, hasValue: true})
	return nil
}

// delList is uci_del_list.
func (l *loaded) delList(pt *ptr, rec bool) error {
	if pt.s == nil || !pt.hasValue {
		return errf(uci.CodeInvalid, "del_list "+pt.name())
	}
	if pt.o == nil || !pt.hasOpt || pt.o.Kind != uci.KindList {
		return nil
	}
	l.record(rec, delta{cmd: cmdListDel, section: pt.section, option: pt.option, hasOpt: true, value: pt.value, hasValue: true})
	pt.s.DelListItem(pt.option, pt.value)
	return nil
}

// rename is uci_rename (no name check, like libuci; the delta replay
// rejects invalid names).
func (l *loaded) rename(pt *ptr, rec bool) error {
	if !pt.complete {
		return errf(uci.CodeNotFound, "rename "+pt.name())
	}
	if pt.s == nil || !pt.hasValue {
		return errf(uci.CodeInvalid, "rename "+pt.name())
	}
	l.record(rec, delta{cmd: cmdRename, section: pt.section, option: pt.option, hasOpt: pt.hasOpt, value: pt.value, hasValue: true})
	if pt.hasOpt {
		pt.o.Name = pt.value
	} else {
		pt.s.Name = pt.value
		pt.s.Anonymous = false
	}
	return nil
}

// reorder is uci_reorder_section.
func (l *loaded) reorder(s *uci.Section, pos int, rec bool) {
	l.p.MoveSection(s, pos)
	l.record(rec, delta{cmd: cmdReorder, section: s.Name, value: itoa(pos), hasValue: true})
}

// add is uci_add_section.
func (l *loaded) add(typ string, rec bool) *uci.Section {
	s := l.p.AddSection(typ, "")
	l.record(rec, delta{cmd: cmdAdd, section: s.Name, value: typ, hasValue: true})
	return s
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	u := uint64(n)
	if neg {
		u = uint64(-int64(n))
	}
	var b [24]byte
	i := len(b)
	for u > 0 {
		i--
		b[i] = byte('0' + u%10)
		u /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// setOption is uci_set on an option with a value parsePtr checked: false
// when the option already holds exactly that string (uci's Set, which
// validates again, cannot tell).
func setOption(s *uci.Section, name, value string) bool {
	if o := s.Get(name); o != nil && o.Kind == uci.KindOption && len(o.Values) == 1 && o.Values[0] == value {
		return false
	}
	s.Set(name, value)
	return true
}
