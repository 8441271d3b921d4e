package uci

import (
	"io"
	"os"
	"path/filepath"
)

// record adds a change to the merge target (uci import -m).
func (p *parser) record(d delta) {
	if p.rec != nil {
		p.rec.record(true, d)
	}
}

// switchPackage is uci_switch_config for a `package` line of an import
// without a package name: the current package is finished and a new one
// begins; a name seen before is libuci's "Duplicate entry".
func (p *parser) switchPackage(name string) *lexError {
	if p.pkg != nil {
		p.done = append(p.done, p.pkg)
	}
	p.pkg, p.section, p.names, p.opts = nil, nil, nil, nil
	for _, q := range p.done {
		if q.Name == name {
			e := p.lx.fail("")
			e.code = CodeDuplicate
			return e
		}
	}
	p.pkg = &Package{Name: name}
	return nil
}

// importCmd is uci_do_import: `uci import [name]` parses the input as a
// UCI file and overwrites the config file(s) with it; `uci -m import
// name` merges it into the existing package as pending changes.
func (ss *session) importCmd(argv []string, merge bool) int {
	if len(argv) > 2 || (len(argv) < 2 && merge) {
		return 255
	}
	p := &parser{strict: ss.strict, multi: len(argv) < 2}
	p.warn = func(e *lexError) {
		if ss.perrors {
			io.WriteString(ss.stderr, e.toParseError("", nil).LibUCI()+"\n")
		}
	}
	if len(argv) == 2 {
		if !ValidPackage(argv[1]) {
			ss.perror(ErrInvalid)
			return 1
		}
		p.pkg = &Package{Name: argv[1]}
	}
	if merge {
		if l, err := ss.load(argv[1]); err == nil {
			p.pkg, p.rec = l.p, l
			for _, s := range l.p.Sections {
				p.addSection(s)
			}
		}
	}
	data, err := ss.readImport()
	if err != nil {
		ss.perror(errf(CodeIO, "import"))
		return 1
	}
	p.lx = newLexer(data)
	if lerr := p.run(); lerr != nil {
		ss.perror(lerr.importError())
		return 1
	}
	if p.pkg != nil {
		p.done = append(p.done, p.pkg)
	}
	if p.rec != nil {
		err = ss.save(p.rec)
	} else {
		for _, q := range p.done {
			if err = ss.overwrite(q); err != nil {
				break
			}
		}
	}
	if err != nil {
		ss.perror(err)
		return 1
	}
	return 0
}

// readImport returns the import input: stdin, or inside a batch the rest
// of the batch input (libuci reads on from the same FILE).
func (ss *session) readImport() ([]byte, error) {
	if ss.inBatch {
		lx := ss.batch
		data := lx.src[lx.off:]
		lx.off, lx.eof = len(lx.src), true
		return data, nil
	}
	if ss.input == nil {
		return nil, nil
	}
	return io.ReadAll(ss.input)
}

func (e *lexError) importError() error {
	if e.code != CodeParse {
		return &Error{Code: e.code}
	}
	return e.toParseError("", nil)
}

// overwrite is uci_commit(overwrite=true) of an imported package: the
// config file is (created and) replaced without looking at deltas.
func (ss *session) overwrite(p *Package) error {
	path := filepath.Join(ss.confDir, p.Name)
	if _, err := os.Stat(path); err != nil {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return errf(CodeIO, path)
		}
		f.Close()
	}
	return writeConfig(path, p.Name, p.Commit())
}
