package ucicli

import (
	"io"
	"os"
	"path/filepath"

	"github.com/uciknock/uciknock/uci"
)

// importCmd is uci_do_import: `uci import [name]` parses the input as a
// UCI file and overwrites the config file(s) with it; `uci -m import
// name` merges it into the existing package as pending changes.
func (ss *session) importCmd(argv []string, merge bool) int {
	if len(argv) > 2 || (len(argv) < 2 && merge) {
		return 255
	}
	opt := uci.ParseOptions{Lax: !ss.strict, Packages: len(argv) < 2, Warn: ss.warn}
	name := ""
	if len(argv) == 2 {
		if name = argv[1]; !uci.ValidPackage(name) {
			ss.perror(uci.ErrInvalid)
			return 1
		}
	}
	var target *loaded
	if merge {
		if l, err := ss.load(name); err == nil {
			target, opt.Into = l, l.p
			opt.Changed = func(c uci.Change) { l.record(true, changeDelta(c)) }
		}
	}
	data, err := ss.readImport()
	if err != nil {
		ss.perror(errf(uci.CodeIO, "import"))
		return 1
	}
	pkgs, err := uci.ParseWith(name, data, opt)
	if err != nil {
		ss.perror(err)
		return 1
	}
	if target != nil {
		err = ss.save(target)
	} else {
		for _, q := range pkgs {
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

// changeDelta is the delta libuci records for a change made by an
// imported statement.
func changeDelta(c uci.Change) delta {
	d := delta{cmd: cmdChange, section: c.Section, option: c.Option, hasOpt: c.Option != "", value: c.Value, hasValue: true}
	switch c.Kind {
	case uci.ChangeAdd:
		d.cmd = cmdAdd
	case uci.ChangeAddList:
		d.cmd = cmdListAdd
	}
	return d
}

// readImport returns the import input: stdin, or inside a batch the rest
// of the batch input (libuci reads on from the same FILE).
func (ss *session) readImport() ([]byte, error) {
	if ss.inBatch {
		return ss.batch.Rest(), nil
	}
	if ss.input == nil {
		return nil, nil
	}
	return io.ReadAll(ss.input)
}

// overwrite is uci_commit(overwrite=true) of an imported package: the
// config file is (created and) replaced without looking at deltas.
func (ss *session) overwrite(p *uci.Package) error {
	path := filepath.Join(ss.confDir, p.Name)
	if _, err := os.Stat(path); err != nil {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return errf(uci.CodeIO, path)
		}
		f.Close()
	}
	return writeConfig(path, p.Name, p.Commit())
}
