package uci

import "github.com/uciknock/uciknock/uci/internal/syntax"

// Parse parses a UCI file strictly, as libuci loads /etc/config/<name>:
// the first error aborts and is returned as a *ParseError (File = name).
// The package name comes from name; `package` lines are validated and
// otherwise ignored. Parse never panics.
func Parse(name string, data []byte) (*Package, error) {
	return ParseFile(name, name, data)
}

// ParseFile is Parse with the file path used in error messages.
func ParseFile(path, name string, data []byte) (*Package, error) {
	p := &parser{lx: syntax.New(data), pkg: &Package{Name: name}, strict: true}
	if err := p.run(); err != nil {
		return nil, p.fail(err, path, data)
	}
	return p.pkg, nil
}

// ParseOptions are the variations of the parser that `uci -S` and
// `uci import` need (package uci/ucicli uses them); the zero value parses
// like Parse.
type ParseOptions struct {
	// Lax parses like `uci -S` (libuci without UCI_FLAG_STRICT): a
	// statement with an error is reported to Warn and the rest of its
	// line is skipped; extra arguments and a section re-declared with
	// another type are accepted. The one error that stops even `uci -S`
	// is returned: a *ParseError whose Code is CodeMem (NUL bytes on
	// consecutive lines exhaust libuci's line buffer).
	Lax bool
	// Warn, when not nil, receives each error Lax skips.
	Warn func(*ParseError)
	// Into, when not nil, is the package the statements are applied to
	// instead of a new one (`uci -m import`): sections are found by name
	// among its sections, and anonymous ids continue its counter.
	Into *Package
	// Changed, when not nil, is called with every change a statement
	// makes to the package, in order: what `uci -m import` records as
	// pending changes.
	Changed func(Change)
	// Packages makes each `package NAME` line start a new package, as
	// `uci import` without a package name does: a `config` line before
	// the first `package` line is an error, and a package named twice is
	// an *Error with CodeDuplicate. name then only names the input in
	// errors.
	Packages bool
}

// Change is one change a statement made to a package: a line of
// libuci's delta ("save") file.
type Change struct {
	Kind ChangeKind
	// Section is the section's name, or the id of a new anonymous one.
	Section string
	// Option is the option or list name; empty for a section statement.
	Option string
	// Value is the section type, the option value or the list item.
	Value string
}

// ChangeKind is what a Change did, in libuci's delta commands.
type ChangeKind int

const (
	// ChangeAdd: `config TYPE` without a name added an anonymous section.
	ChangeAdd ChangeKind = iota
	// ChangeSet: a named section was created or given another type
	// (Option empty), or an option was set to another value.
	ChangeSet
	// ChangeAddList: an item was appended to a list.
	ChangeAddList
)

// ParseWith parses data with the variations opt selects and returns the
// package (opt.Into when set), or with opt.Packages every package the
// input names, in order. Errors are as for Parse.
func ParseWith(name string, data []byte, opt ParseOptions) ([]*Package, error) {
	p := &parser{lx: syntax.New(data), strict: !opt.Lax, warn: opt.Warn, data: data, path: name,
		changed: opt.Changed, multi: opt.Packages}
	switch {
	case opt.Into != nil:
		p.pkg = opt.Into
		for _, s := range opt.Into.Sections {
			p.addSection(s)
		}
	case !opt.Packages:
		p.pkg = &Package{Name: name}
	}
	if err := p.run(); err != nil {
		return nil, p.fail(err, name, data)
	}
	if p.pkg != nil {
		p.done = append(p.done, p.pkg)
	}
	return p.done, nil
}

type parser struct {
	lx      *syntax.Lexer
	pkg     *Package
	section *Section // pctx->section: target of option/list
	strict  bool
	warn    func(*ParseError)
	// data and path are what warnings are positioned in.
	data []byte
	path string

	// Indexes that keep big files linear (libuci scans lists, O(n²)).
	// Sections and options are only appended or replaced in place while
	// parsing, so first-match positions stay valid.
	names map[string]*Section
	opts  map[*Section]map[string]int
	// strs interns option names and types, which repeat a lot.
	strs map[string]string

	// ParseOptions: multi makes `package` lines switch packages,
	// finished ones go to done; changed receives every change, as
	// libuci's non-internal calls record them. abort is a failure that
	// is not a syntax error (a package named twice) and ends the parse.
	multi   bool
	done    []*Package
	changed func(Change)
	abort   error
}

// fail turns the error that ended run into the one returned.
func (p *parser) fail(err *syntax.Error, path string, data []byte) error {
	if p.abort != nil {
		return p.abort
	}
	return toParseError(err, path, data)
}

// value is the string at buffer index i; short ones (zone names,
// targets, protocols, booleans) repeat and are shared.
func (p *parser) value(i int) string {
	if p.lx.Strlen(i) > 16 {
		return p.lx.Str(i)
	}
	return p.intern(i)
}

// intern returns the string at buffer index i, sharing repeated ones.
func (p *parser) intern(i int) string {
	b := p.lx.Cstr(i)
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
func (p *parser) run() *syntax.Error {
	lx := p.lx
	for !lx.EOF {
		lx.NextLine()
		if lx.OOM {
			return lx.Fail("")
		}
		if lx.At(0) == 0 {
			continue
		}
		err := p.parseLine()
		if lx.OOM && (err == nil || !err.OOM) {
			err = lx.Fail("")
		}
		if err != nil {
			if p.strict || err.OOM || p.abort != nil {
				return err
			}
			if p.warn != nil {
				p.warn(toParseError(err, p.path, p.data))
			}
		}
	}
	return nil
}

// parseLine is uci_parse_line: statements separated by ';'.
func (p *parser) parseLine() *syntax.Error {
	lx := p.lx
	lx.SkipWhitespace()
	for {
		word, ok := lx.Strtok()
		if !ok {
			return nil
		}
		var err *syntax.Error
		switch lx.At(word) {
		case '#':
			return nil
		case 'p':
			if !lx.Keyword(word, "ackage") {
				return lx.Fail(reasonInvalidCommand)
			}
			err = p.parsePackage()
		case 'c':
			if !lx.Keyword(word, "onfig") {
				return lx.Fail(reasonInvalidCommand)
			}
			err = p.parseConfig(lx.SrcOffset(word))
		case 'o', 'l':
			var kw string = "ption"
			if lx.At(word) == 'l' {
				kw = "ist"
			}
			if !lx.Keyword(word, kw) {
				return lx.Fail(reasonInvalidCommand)
			}
			err = p.parseOption(lx.At(word) == 'l')
		default:
			return lx.Fail(reasonInvalidCommand)
		}
		if err != nil {
			return err
		}
	}
}

// arg is next_arg with its checks.
func (p *parser) arg(required, name, pkg bool) (int, *syntax.Error) {
	lx := p.lx
	val, err := lx.NextArg()
	if err != nil {
		return val, err
	}
	if lx.At(val) == 0 {
		if required {
			return val, lx.Fail(reasonInsufficient)
		}
		return val, nil
	}
	if name && !validStr(lx.Cstr(val), true, pkg) {
		return val, lx.Fail(reasonInvalidName)
	}
	return val, nil
}

// assertEOL rejects extra arguments in strict mode.
func (p *parser) assertEOL() *syntax.Error {
	p.lx.SkipWhitespace()
	v, err := p.lx.NextArg()
	if err != nil {
		return err
	}
	if p.lx.At(v) != 0 && p.strict {
		return p.lx.Fail(reasonTooMany)
	}
	return nil
}

func (p *parser) parsePackage() *syntax.Error {
	if err := p.lx.SkipKeyword(reasonPackageNoName); err != nil {
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
		return p.switchPackage(p.lx.Str(n))
	}
	return nil
}

// begin starts a config or option statement: it fails with outOfPlace
// when the statement cannot come here (!inPlace), and steps over the
// keyword (noName when nothing follows it).
func (p *parser) begin(inPlace bool, outOfPlace, noName string) *syntax.Error {
	if !inPlace {
		return p.lx.Fail(outOfPlace)
	}
	return p.lx.SkipKeyword(noName)
}

func (p *parser) parseConfig(start int) *syntax.Error {
	lx := p.lx
	if err := p.begin(p.pkg != nil, reasonNoPackage, reasonConfigNoName); err != nil {
		return err
	}
	lx.ArgEnd = start
	t, err := p.arg(true, false, false)
	if err != nil {
		return err
	}
	if !validStr(lx.Cstr(t), false, false) {
		return lx.Fail(reasonInvalidType)
	}
	n, err := p.arg(false, true, false)
	if err != nil {
		return err
	}
	if err := p.assertEOL(); err != nil {
		return err
	}
	typ, name := p.intern(t), lx.Str(n)
	var s *Section
	if name == "" {
		s = p.pkg.AddSection(typ, "")
		p.addSection(s)
		p.record(ChangeAdd, s.Name, "", typ)
	} else {
		s = p.findSection(name)
		if s != nil && p.strict && s.Type != typ {
			return lx.Fail(reasonTypeOverwrite)
		}
		changed := true
		if s == nil {
			s = p.pkg.AddSection(typ, name)
			p.addSection(s)
		} else {
			changed = s.SetType(typ)
		}
		if changed {
			p.record(ChangeSet, name, "", typ)
		}
	}
	s.Spans = append(s.Spans, Span{Start: start, End: lx.ArgEnd})
	p.section = s
	return nil
}

func (p *parser) parseOption(list bool) *syntax.Error {
	lx := p.lx
	if err := p.begin(p.section != nil, reasonBeforeSection, reasonOptionNoName); err != nil {
		return err
	}
	lx.ArgEnd = -1
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
		p.record(ChangeAddList, s.Name, name, value)
	} else if value != "" {
		// The parser's pointer is never "complete", so an empty value
		// is a no-op (uci_set returns early), even on an existing option.
		i, o := p.findOption(s, name)
		if s.setOptionAt(i, o, name, value) {
			p.record(ChangeSet, s.Name, name, value)
		}
	}
	p.noteOption(s, count)
	if k := len(s.Spans); k > 0 && lx.ArgEnd > s.Spans[k-1].End {
		s.Spans[k-1].End = lx.ArgEnd
	}
	return nil
}

// record reports a change to ParseOptions.Changed.
func (p *parser) record(kind ChangeKind, section, option, value string) {
	if p.changed != nil {
		p.changed(Change{Kind: kind, Section: section, Option: option, Value: value})
	}
}

// switchPackage is uci_switch_config for a `package` line with
// ParseOptions.Packages: the current package is finished and a new one
// begins; a name seen before is libuci's "Duplicate entry".
func (p *parser) switchPackage(name string) *syntax.Error {
	if p.pkg != nil {
		p.done = append(p.done, p.pkg)
	}
	p.pkg, p.section, p.names, p.opts = nil, nil, nil, nil
	for _, q := range p.done {
		if q.Name == name {
			p.abort = errf(CodeDuplicate, "package "+name)
			return p.lx.Fail("")
		}
	}
	p.pkg = &Package{Name: name}
	return nil
}
