package uci

import (
	"errors"
	"fmt"
)

// Update edits the live config file safely, in one locked
// read-modify-write:
//
//  1. resolve the target (runtime override, symlinks) and open it;
//  2. flock it LOCK_EX, exactly the lock libuci's commit and loaders use;
//  3. check that the path still names the locked inode (after any pending
//     libuci rename), else start over;
//  4. read it from the locked fd and parse it strictly; a file that does
//     not parse is left alone and the *ParseError names file:line:col;
//  5. run fn on the model; an error from fn aborts, nothing is written;
//  6. if the model did not change, return changed=false without writing;
//  7. build the new text: bytes outside touched sections stay verbatim,
//     touched sections are re-rendered in place, new ones appended, all in
//     libuci's commit format (see update_splice.go for the exact rules);
//  8. re-parse the new text strictly and require it to equal the model fn
//     produced; if it does not (only in files whose text defeats the
//     splice, e.g. NUL bytes), use `uci commit`'s format for the whole
//     file instead, and if that does not either, return an error and
//     write nothing;
//  9. write a hidden temp file in the same directory with the target's
//     mode and owner, fsync; wait for writers that can rename without
//     holding our lock (libuci processes on a replaced inode, libuci
//     commits between unlock and rename) and check the identity again;
//     rename it over the target while still holding the lock, give the
//     old inode the new text for libuci processes waiting on it, fsync
//     the directory, unlock.
//
// When the file is replaced by another writer at step 3 or 9, Update
// starts over with a fresh read (within the lock timeout), so fn may run
// more than once and must only act on the *Package it is given. libuci's
// save directory (/tmp/.uci) is never touched. docs/uci-safe-update.md
// states the exact guarantees and limits.
func (f *File) Update(fn func(p *Package) error) (changed bool, err error) {
	timeout, expired, stop := f.deadline()
	defer stop()
	w := lockWait{timeout: timeout, expired: expired}
	for attempt := 0; attempt < maxAttempts; attempt++ {
		changed, err = f.updateOnce(fn, w)
		if !errors.Is(err, errReplaced) {
			return changed, err
		}
	}
	return false, fmt.Errorf("uci: update %s: %w", f.Path, ErrReplacedTooOften)
}

// updateOnce is one attempt of Update. It returns errReplaced (wrapped)
// when the file was replaced under it.
func (f *File) updateOnce(fn func(p *Package) error, w lockWait) (bool, error) {
	target := f.Target()
	lf, err := lockFile(target, true, w, f.pkgName())
	if err != nil {
		return false, err
	}
	defer lf.close()
	data, err := lf.readAll()
	if err != nil {
		return false, err
	}
	out, err := f.edit(target, data, fn)
	if err != nil || out == nil {
		return false, err
	}
	lf.removeStaleTemps()
	if err := lf.replace(out); err != nil {
		return false, err
	}
	return true, nil
}

// edit is the pure part of an update: parse, run fn, splice, validate.
// It returns nil bytes when fn changed nothing.
func (f *File) edit(target string, data []byte, fn func(p *Package) error) ([]byte, error) {
	name := f.pkgName()
	p, err := parseTarget(target, name, data)
	if err != nil {
		return nil, fmt.Errorf("uci: update refused, current file does not parse: %w", err)
	}
	ptrs := append([]*Section(nil), p.Sections...)
	before := snapshotSections(p.Sections)
	if err := fn(p); err != nil {
		return nil, fmt.Errorf("uci: update %s: %w", target, err)
	}
	pl, err := planUpdate(ptrs, before, p.Sections)
	if err != nil {
		return nil, fmt.Errorf("uci: update %s: %w", target, err)
	}
	if !pl.change {
		return nil, nil
	}
	out := splice(data, pl)
	if err := checkResult(target, name, out, p.Sections); err != nil {
		// The kept text defeats the splice (NUL bytes make libuci join
		// physical lines; "x ;" at EOF is an error once a newline
		// follows): write what `uci commit` would, if that at least reads
		// back as intended.
		commit := (&Package{Sections: p.Sections}).Commit()
		if checkResult(target, name, commit, p.Sections) != nil {
			return nil, err
		}
		out = commit
	}
	return out, nil
}

// checkResult re-parses the text about to be written and compares it with
// the intended sections. It catches values the file format cannot carry
// (an empty option is dropped by the parser, an empty list vanishes),
// invalid names, and any splice mistake: we never write a file that
// libuci would parse differently, or not at all.
func checkResult(target, name string, out []byte, want []*Section) error {
	got, err := Parse(name, out)
	if err != nil {
		return fmt.Errorf("uci: update %s refused, the new text would not parse: %w", target, err)
	}
	if len(got.Sections) != len(want) {
		return fmt.Errorf("uci: update %s refused: the new text holds %d sections, want %d", target, len(got.Sections), len(want))
	}
	for i, w := range want {
		if !sameSection(got.Sections[i], w) {
			return fmt.Errorf("uci: update %s refused: section %d (%s %q) would read back differently (empty value, empty list or invalid name?)",
				target, i, w.Type, w.Name)
		}
	}
	return nil
}
