package uci

// Parse parses a UCI file strictly, as libuci loads /etc/config/<name>:
// the first error aborts and is returned as a *ParseError (File = name).
// The package name comes from name; `package` lines are validated and
// otherwise ignored. Parse never panics.
func Parse(name string, data []byte) (*Package, error) {
	return ParseFile(name, name, data)
}

// ParseFile is Parse with the file path used in error messages.
func ParseFile(path, name string, data []byte) (*Package, error) {
	p := &parser{lx: newLexer(data), pkg: &Package{Name: name}, strict: true}
	if err := p.run(); err != nil {
		return nil, err.toParseError(path, data)
	}
	return p.pkg, nil
}

// ParseLax parses like `uci -S` (libuci without UCI_FLAG_STRICT): a
// statement with an error is reported to warn (when not nil) and the rest
// of its line is skipped; extra arguments and a section re-declared with
// another type are accepted. It always returns a package.
func ParseLax(name string, data []byte, warn func(*ParseError)) *Package {
	p, _ := parseLax(name, data, warn)
	return p
}

// parseLax also returns the error that stops even a non-strict libuci
// (running out of memory on NUL bytes).
func parseLax(name string, data []byte, warn func(*ParseError)) (*Package, error) {
	p := &parser{lx: newLexer(data), pkg: &Package{Name: name}}
	p.warn = func(e *lexError) {
		if warn != nil {
			warn(e.toParseError(name, data))
		}
	}
	if err := p.run(); err != nil {
		return p.pkg, err.toParseError(name, data)
	}
	return p.pkg, nil
}

type parser struct {
	lx      *lexer
	pkg     *Package
	section *Section // pctx->section: target of option/list
	strict  bool
	warn    func(*lexError)

	// Indexes that keep big files linear (libuci scans lists, O(n²)).
	// Sections and options are only appended or replaced in place while
	// parsing, so first-match positions stay valid.
	names map[string]*Section
	opts  map[*Section]map[string]int
	// strs interns option names and types, which repeat a lot.
	strs map[string]string

	// uci import: multi (no package name given) makes `package` lines
	// switch packages, finished ones go to done; rec (import -m) records
	// every change like libuci's non-internal calls do.
	multi bool
	done  []*Package
	rec   *loaded
}

// value is the string at buffer index i; short ones (zone names,
// targets, protocols, booleans) repeat and are shared.
func (p *parser) value(i int) string {
	if p.lx.strlen(i) > 16 {
		return p.lx.str(i)
	}
	return p.intern(i)
}

// intern returns the string at buffer index i, sharing repeated ones.
func (p *parser) intern(i int) string {
	b := p.lx.cstr(i)
	if s, ok := p.strs[string(b)]; ok {
		return s
	}
	if p.strs == nil {
		p.strs = make(map[string]string)
	}
	s := string(b)
	p.strs[s] = s
	return s
}

// indexFrom is the option count from which a section gets an index.
const indexFrom = 16

// findSection is Package.find through the index.
func (p *parser) findSection(name string) *Section {
	return p.names[name]
}

func (p *parser) addSection(s *Section) {
	if p.names == nil {
		p.names = make(map[string]*Section)
	}
	if _, ok := p.names[s.Name]; !ok {
		p.names[s.Name] = s
	}
}

// findOption is Section.find, indexed for sections with many options.
func (p *parser) findOption(s *Section, name string) (int, *Option) {
	if len(s.Options) < indexFrom {
		return s.find(name)
	}
	idx := p.opts[s]
	if idx == nil {
		if p.opts == nil {
			p.opts = make(map[*Section]map[string]int)
		}
		idx = make(map[string]int, 2*len(s.Options))
		for i, o := range s.Options {
			if _, ok := idx[o.Name]; !ok {
				idx[o.Name] = i
			}
		}
		p.opts[s] = idx
	}
	i, ok := idx[name]
	if !ok {
		return -1, nil
	}
	return i, s.Options[i]
}

// noteOption keeps the index of s current after an append.
func (p *parser) noteOption(s *Section, n int) {
	if idx := p.opts[s]; idx != nil && len(s.Options) > n {
		o := s.Options[n]
		if _, ok := idx[o.Name]; !ok {
			idx[o.Name] = n
		}
	}
}

// run is uci_import's loop: one physical line (plus continuations) at a
// time; in strict mode the first error ends the parse.
func (p *parser) run() *lexError {
	lx := p.lx
	for !lx.eof {
		lx.pos = 0
		lx.getln(0)
		if lx.oom {
			return lx.fail("")
		}
		if lx.at(0) == 0 {
			continue
		}
		err := p.parseLine()
		if lx.oom && (err == nil || err.code != CodeMem) {
			err = lx.fail("")
		}
		if err != nil {
			if p.strict || err.code != CodeParse {
				return err
			}
			p.warn(err)
		}
	}
	return nil
}

// strtok is strtok(cur, " \t"): skip blanks, terminate the word with a
// NUL, return its index; false when only blanks remain.
func (l *lexer) strtok() (int, bool) {
	s := l.pos
	for c := l.at(s); c == ' ' || c == '\t'; c = l.at(s) {
		s++
	}
	if l.at(s) == 0 {
		return s, false
	}
	e := s
	for c := l.at(e); c != 0 && c != ' ' && c != '\t'; c = l.at(e) {
		e++
	}
	l.set(e, 0)
	return s, true
}

// keyword reports whether the word at i is the one-letter or full form.
func (l *lexer) keyword(i int, rest string) bool {
	if l.at(i+1) == 0 {
		return true
	}
	for k := 0; k < len(rest); k++ {
		if l.at(i+1+k) != rest[k] {
			return false
		}
	}
	return l.at(i+1+len(rest)) == 0
}

// parseLine is uci_parse_line: statements separated by ';'.
func (p *parser) parseLine() *lexError {
	lx := p.lx
	lx.skipWhitespace()
	for {
		word, ok := lx.strtok()
		if !ok {
			return nil
		}
		var err *lexError
		switch lx.at(word) {
		case '#':
			return nil
		case 'p':
			if !lx.keyword(word, "ackage") {
				return lx.fail(reasonInvalidCommand)
			}
			err = p.parsePackage()
		case 'c':
			if !lx.keyword(word, "onfig") {
				return lx.fail(reasonInvalidCommand)
			}
			err = p.parseConfig(lx.srcOffset(word))
		case 'o', 'l':
			var kw string = "ption"
			if lx.at(word) == 'l' {
				kw = "ist"
			}
			if !lx.keyword(word, kw) {
				return lx.fail(reasonInvalidCommand)
			}
			err = p.parseOption(lx.at(word) == 'l')
		default:
			return lx.fail(reasonInvalidCommand)
		}
		if err != nil {
			return err
		}
	}
}

// skipKeyword is uci_increase_pos(strlen(cur)+1): step over the word
// strtok terminated.
func (l *lexer) skipKeyword(reason string) *lexError {
	add := l.strlen(l.pos) + 1
	if l.pos+add > l.filled {
		return l.fail(reason)
	}
	l.pos += add
	return nil
}

// arg is next_arg with its checks.
func (p *parser) arg(required, name, pkg bool) (int, *lexError) {
	lx := p.lx
	val, err := lx.nextArg()
	if err != nil {
		return val, err
	}
	if lx.at(val) == 0 {
		if required {
			return val, lx.fail(reasonInsufficient)
		}
		return val, nil
	}
	if name && !validStr(lx.cstr(val), true, pkg) {
		return val, lx.fail(reasonInvalidName)
	}
	return val, nil
}

// assertEOL rejects extra arguments in strict mode.
func (p *parser) assertEOL() *lexError {
	p.lx.skipWhitespace()
	v, err := p.lx.nextArg()
	if err != nil {
		return err
	}
	if p.lx.at(v) != 0 && p.strict {
		return p.lx.fail(reasonTooMany)
	}
	return nil
}

func (p *parser) parsePackage() *lexError {
	if err := p.lx.skipKeyword(reasonPackageNoName); err != nil {
		return err
	}
	n, err := p.arg(true, true, true)
	if err != nil {
		return err
	}
	if err := p.assertEOL(); err != nil {
		return err
	}
	// The name of a package loaded by name comes from the file name.
	if p.multi {
		return p.switchPackage(p.lx.str(n))
	}
	return nil
}

// begin starts a config or option statement: it fails with outOfPlace
// when the statement cannot come here (!inPlace), and steps over the
// keyword (noName when nothing follows it).
func (p *parser) begin(inPlace bool, outOfPlace, noName string) *lexError {
	if !inPlace {
		return p.lx.fail(outOfPlace)
	}
	return p.lx.skipKeyword(noName)
}

func (p *parser) parseConfig(start int) *lexError {
	lx := p.lx
	if err := p.begin(p.pkg != nil, reasonNoPackage, reasonConfigNoName); err != nil {
		return err
	}
	lx.argEnd = start
	t, err := p.arg(true, false, false)
	if err != nil {
		return err
	}
	if !validStr(lx.cstr(t), false, false) {
		return lx.fail(reasonInvalidType)
	}
	n, err := p.arg(false, true, false)
	if err != nil {
		return err
	}
	if err := p.assertEOL(); err != nil {
		return err
	}
	typ, name := p.intern(t), lx.str(n)
	var s *Section
	if name == "" {
		s = p.pkg.addAnonymous(typ)
		p.addSection(s)
		p.record(delta{cmd: cmdAdd, section: s.Name, value: typ, hasValue: true})
	} else {
		s = p.findSection(name)
		if s != nil && p.strict && s.Type != typ {
			return lx.fail(reasonTypeOverwrite)
		}
		changed := true
		if s == nil {
			s = p.pkg.allocSection(typ, name, -1)
			p.addSection(s)
		} else {
			changed = p.pkg.setSectionType(s, typ)
		}
		if changed {
			p.record(delta{cmd: cmdChange, section: name, value: typ, hasValue: true})
		}
	}
	s.Spans = append(s.Spans, Span{Start: start, End: lx.argEnd})
	p.section = s
	return nil
}

func (p *parser) parseOption(list bool) *lexError {
	lx := p.lx
	if err := p.begin(p.section != nil, reasonBeforeSection, reasonOptionNoName); err != nil {
		return err
	}
	lx.argEnd = -1
	n, err := p.arg(true, true, false)
	var v int
	if err == nil {
		v, err = p.arg(false, false, false)
	}
	if err == nil {
		err = p.assertEOL()
	}
	if err != nil {
		return err
	}
	s := p.section
	name, value := p.intern(n), p.value(v)
	count := len(s.Options)
	if list {
		i, o := p.findOption(s, name)
		s.addListItemAt(i, o, name, value)
		p.record(delta{cmd: cmdListAdd, section: s.Name, option: name, hasOpt: true, value: value, hasValue: true})
	} else if value != "" {
		// The parser's pointer is never "complete", so an empty value
		// is a no-op (uci_set returns early), even on an existing option.
		i, o := p.findOption(s, name)
		if s.setOptionAt(i, o, name, value) {
			p.record(delta{cmd: cmdChange, section: s.Name, option: name, hasOpt: true, value: value, hasValue: true})
		}
	}
	p.noteOption(s, count)
	if k := len(s.Spans); k > 0 && lx.argEnd > s.Spans[k-1].End {
		s.Spans[k-1].End = lx.argEnd
	}
	return nil
}
