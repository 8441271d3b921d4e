package uci

// loaded is a package as libuci holds it after uci_load: the model plus
// the change records it replayed (saved_delta, shown by `uci changes`)
// and the ones made since (delta, appended to the save file by save).
type loaded struct {
	p        *Package
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
		return errf(CodeInvalid, "set "+pt.name())
	}
	if !pt.hasOpt && pt.value != "" && !ValidType(pt.value) {
		return errf(CodeInvalid, "set "+pt.name()+": type")
	}
	if pt.o == nil && pt.s != nil && pt.hasOpt {
		_, pt.o = pt.s.find(pt.option)
	}
	switch {
	case pt.value == "":
		if !pt.complete {
			return nil
		}
		return l.del(pt, rec)
	case pt.o == nil && pt.hasOpt:
		pt.s.setOption(pt.option, pt.value)
		_, pt.o = pt.s.find(pt.option)
	case pt.s == nil:
		pt.s = l.p.allocSection(pt.value, pt.section, -1)
	case pt.hasOpt:
		if !pt.s.setOption(pt.option, pt.value) {
			return nil
		}
		_, pt.o = pt.s.find(pt.option)
	default:
		if !l.p.setSectionType(pt.s, pt.value) {
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
		return errf(CodeNotFound, "delete "+pt.name())
	}
	if pt.s == nil {
		return errf(CodeInvalid, "delete "+pt.name())
	}
	if pt.o != nil && pt.o.Kind == KindList && pt.hasValue && pt.value != "" {
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
		pt.s.removeOption(pt.option)
		pt.o = nil
	} else {
		l.p.removeSection(pt.s)
		pt.s = nil
	}
	return nil
}

// addList is uci_add_list.
func (l *loaded) addList(pt *ptr, rec bool) error {
	if pt.s == nil || !pt.hasValue || !pt.hasOpt {
		return errf(CodeInvalid, "add_list "+pt.name())
	}
	pt.s.addListItem(pt.option, pt.value)
	l.record(rec, delta{cmd: cmdListAdd, section: pt.section, option: pt.option, hasOpt: true, value: pt.value, hasValue: true})
	return nil
}

// delList is uci_del_list.
func (l *loaded) delList(pt *ptr, rec bool) error {
	if pt.s == nil || !pt.hasValue {
		return errf(CodeInvalid, "del_list "+pt.name())
	}
	if pt.o == nil || !pt.hasOpt || pt.o.Kind != KindList {
		return nil
	}
	l.record(rec, delta{cmd: cmdListDel, section: pt.section, option: pt.option, hasOpt: true, value: pt.value, hasValue: true})
	pt.s.delListValue(pt.option, pt.value)
	return nil
}

// rename is uci_rename (no name check, like libuci; the delta replay
// rejects invalid names).
func (l *loaded) rename(pt *ptr, rec bool) error {
	if !pt.complete {
		return errf(CodeNotFound, "rename "+pt.name())
	}
	if pt.s == nil || !pt.hasValue {
		return errf(CodeInvalid, "rename "+pt.name())
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
func (l *loaded) reorder(s *Section, pos int, rec bool) {
	l.p.reorder(s, pos)
	l.record(rec, delta{cmd: cmdReorder, section: s.Name, value: itoa(pos), hasValue: true})
}

// add is uci_add_section.
func (l *loaded) add(typ string, rec bool) *Section {
	s := l.p.addAnonymous(typ)
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
