package ucicli

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/uciknock/uciknock/uci"
)

// load is uci_file_load: read and parse the package (strict unless -S),
// then replay every delta file on top.
func (ss *session) load(name string) (*loaded, error) {
	ss.batchAlive = false // libuci's import frees the batch parse context
	path, pkg, hasDelta := "", name, true
	switch {
	case strings.HasPrefix(name, "/") || strings.HasPrefix(name, "./"):
		path, pkg, hasDelta = name, name[strings.LastIndexByte(name, '/')+1:], false
	case strings.HasPrefix(name, "."):
		return nil, errf(uci.CodeNotFound, name)
	default:
		path = filepath.Join(ss.confDir, name)
		if ss.overrideDir != "" {
			if st, err := os.Stat(filepath.Join(ss.overrideDir, name)); err == nil && st.Mode().IsRegular() {
				path = filepath.Join(ss.overrideDir, name)
			}
		}
	}
	if !uci.ValidPackage(pkg) {
		return nil, errf(uci.CodeInvalid, name)
	}
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return nil, errf(uci.CodeNotFound, path)
	}
	data, err := readLocked(path)
	if err != nil {
		return nil, errf(uci.CodeIO, path)
	}
	p, err := ss.parse(pkg, data)
	if err != nil {
		return nil, err
	}
	l := &loaded{p: p, path: path, hasDelta: hasDelta}
	ss.replay(l)
	return l, nil
}

func (ss *session) parse(name string, data []byte) (*uci.Package, error) {
	if ss.strict {
		return uci.Parse(name, data)
	}
	pkgs, err := uci.ParseWith(name, data, uci.ParseOptions{Lax: true, Warn: ss.warn})
	if err != nil {
		return nil, err
	}
	return pkgs[0], nil
}

// warn prints an error `uci -S` skips.
func (ss *session) warn(e *uci.ParseError) {
	if ss.perrors {
		io.WriteString(ss.stderr, e.LibUCI()+"\n")
	}
}

// deltaPath is libuci's delta_path: the read-only directories, then the
// save directory (moved to the end when it is also listed).
func (ss *session) deltaPath() []string {
	var dirs []string
	for _, d := range ss.deltaDirs {
		if d != ss.saveDir {
			dirs = append(dirs, d)
		}
	}
	return append(dirs, ss.saveDir)
}

// replay is uci_load_delta; it returns libuci's count of applied lines.
func (ss *session) replay(l *loaded) int {
	if !l.hasDelta {
		return 0
	}
	changes := 0
	for _, dir := range ss.deltaPath() {
		path := filepath.Join(dir, l.p.Name)
		if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
			continue
		}
		data, err := readLocked(path)
		if err != nil {
			continue
		}
		changes += l.replayDelta(data)
	}
	return changes
}

// save is uci_save: append the pending changes to SAVEDIR/<package>.
func (ss *session) save(l *loaded) error {
	if !l.hasDelta {
		return ss.commit(l)
	}
	if len(l.pending) == 0 {
		return nil
	}
	if st, err := os.Stat(ss.saveDir); err != nil {
		mode := fs.FileMode(0o700)
		if cst, err := os.Stat(ss.confDir); err == nil {
			mode = cst.Mode().Perm()
		}
		os.Mkdir(ss.saveDir, mode)
	} else if !st.IsDir() {
		return errf(uci.CodeIO, ss.saveDir)
	}
	var b []byte
	for _, d := range l.pending {
		b = appendDelta(b, l.p.Name, d)
	}
	l.pending = nil
	mode := fs.FileMode(0o600)
	if st, err := os.Stat(filepath.Join(ss.confDir, l.p.Name)); err == nil {
		mode = st.Mode().Perm()
	}
	path := filepath.Join(ss.saveDir, l.p.Name)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, mode)
	if err != nil {
		return errf(uci.CodeIO, path)
	}
	werr := flock(f, true)
	if werr == nil {
		_, werr = f.Write(b)
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return errf(uci.CodeIO, path)
	}
	return nil
}

// commit is uci_file_commit: lock the config file, re-read it from the
// locked descriptor, replay every delta file; when at least one delta
// line applied, empty the save file and replace the config file with the
// rendered package (temp file, the target's mode, rename). With nothing
// applied the file is not touched. Like libuci, the lock is released
// before the rename.
func (ss *session) commit(l *loaded) error {
	if l.hasDelta && len(l.pending) > 0 {
		if err := ss.save(l); err != nil {
			return err
		}
	}
	mode := fs.FileMode(0o600)
	if st, err := os.Stat(filepath.Join(ss.confDir, l.p.Name)); err == nil {
		mode = st.Mode().Perm()
	}
	f, err := os.OpenFile(l.path, os.O_RDWR|os.O_CREATE, mode)
	if err != nil {
		return errf(uci.CodeIO, l.path)
	}
	out, err := ss.commitLocked(f, l)
	f.Close()
	if err != nil || out == nil {
		return err
	}
	return writeConfig(l.path, out.Name, out.Commit())
}

// commitLocked is the part of commit under the lock; nil means nothing to
// write.
func (ss *session) commitLocked(f *os.File, l *loaded) (*uci.Package, error) {
	if err := flock(f, true); err != nil {
		return nil, errf(uci.CodeIO, l.path)
	}
	if !l.hasDelta {
		return l.p, nil
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, errf(uci.CodeIO, l.path)
	}
	p, err := ss.parse(l.p.Name, data)
	if err != nil {
		return nil, err
	}
	fresh := &loaded{p: p, path: l.path, hasDelta: true}
	if ss.replay(fresh) == 0 {
		return nil, nil
	}
	savePath := filepath.Join(ss.saveDir, l.p.Name)
	if st, err := os.Stat(savePath); err == nil && st.Mode().IsRegular() {
		if err := os.Truncate(savePath, 0); err != nil {
			return nil, errf(uci.CodeIO, savePath)
		}
	}
	return fresh.p, nil
}

// readLocked reads a file under libuci's shared lock.
func readLocked(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := flock(f, false); err != nil {
		return nil, err
	}
	return io.ReadAll(f)
}

// writeConfig replaces path with data the way libuci does: a temporary
// ".<name>.uci-XXXXXX" file next to it, fsync, the target's mode, rename.
func writeConfig(path, name string, data []byte) error {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return errf(uci.CodeIO, path)
	}
	st, err := os.Stat(target)
	if err != nil {
		return errf(uci.CodeIO, path)
	}
	f, err := os.CreateTemp(filepath.Dir(target), "."+name+".uci-")
	if err != nil {
		return errf(uci.CodeIO, path)
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp, st.Mode().Perm())
	}
	if werr == nil {
		werr = os.Rename(tmp, target)
	}
	if werr != nil {
		os.Remove(tmp)
		return errf(uci.CodeIO, path)
	}
	return nil
}

// revert is uci_revert: drop the matching lines from the save file,
// under its exclusive lock. Errors are ignored, as the CLI does.
func (ss *session) revert(l *loaded, pt *ptr) {
	if !l.hasDelta {
		return
	}
	ss.batchAlive = false // uci_revert reloads the package
	f, err := os.OpenFile(filepath.Join(ss.saveDir, l.p.Name), os.O_RDWR, 0)
	if err != nil {
		return
	}
	defer f.Close()
	if flock(f, true) != nil {
		return
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return
	}
	out, ok := filterDelta(l.p.Name, data, pt.section, pt.option, pt.hasSection, pt.hasOpt)
	if !ok || f.Truncate(0) != nil {
		return
	}
	f.WriteAt(out, 0)
}

// listConfigs is uci_list_config_files: the file names in the config
// directory, sorted, without names containing '.' or invalid ones.
func (ss *session) listConfigs() ([]string, error) {
	ents, err := os.ReadDir(ss.confDir)
	if err != nil {
		return nil, uci.ErrNotFound
	}
	var names []string
	matched := false // glob("confdir/*") found something
	for _, e := range ents {
		n := e.Name()
		if strings.HasPrefix(n, ".") {
			continue
		}
		matched = true
		if strings.Contains(n, ".") || !uci.ValidPackage(n) {
			continue
		}
		if st, err := os.Stat(filepath.Join(ss.confDir, n)); err == nil && st.IsDir() {
			continue
		}
		names = append(names, n)
	}
	if !matched {
		return nil, uci.ErrNotFound
	}
	sort.Strings(names)
	return names, nil
}
