//go:build linux

package uci

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// tempInfix marks our temporary files: `.<base>.uciknock-<pid>-<random>`.
// The leading dot hides them from libuci's config listing (uci: file.c
// get_filename/uci_validate_package); the pid lets a later update remove
// the leftovers of a writer that was killed.
const tempInfix = ".uciknock-"

// replace atomically replaces the locked file with data: a temp file in
// the same directory with the target's mode and owner, written and
// fsynced, renamed over the target while the lock is still held, then the
// directory is fsynced. If the path no longer names the locked inode (a
// libuci commit renamed behind our back, see uci.md §8) nothing is
// renamed and errReplaced is returned so the caller starts over. After the
// rename the old inode gets the new text too (refreshOrphan).
func (lf *lockedFile) replace(data []byte) error {
	dir, base := filepath.Split(lf.real)
	tmp, err := os.CreateTemp(dir, "."+base+tempInfix+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return fmt.Errorf("uci: create temp for %s: %w", lf.real, err)
	}
	name := tmp.Name()
	renamed := false
	defer func() {
		if !renamed {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err := lf.inherit(tmp); err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("uci: write %s: %w", name, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("uci: fsync %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("uci: close %s: %w", name, err)
	}
	// A stale writer whose open() raced our lock is visible by now.
	if err := lf.settle(); err != nil {
		return err
	}
	if err := os.Rename(name, lf.real); err != nil {
		return fmt.Errorf("uci: replace %s: %w", lf.real, err)
	}
	renamed = true
	lf.refreshOrphan(data)
	return syncDir(dir)
}

// inherit gives the temp file the target's permission bits and owner.
// libuci keeps only the mode; we also keep the owner so that a file made
// group-readable for some service stays readable by it.
func (lf *lockedFile) inherit(tmp *os.File) error {
	fd := int(tmp.Fd())
	if err := unix.Fchmod(fd, lf.meta.mode); err != nil {
		return fmt.Errorf("uci: chmod %s: %w", tmp.Name(), os.NewSyscallError("fchmod", err))
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("uci: fstat %s: %w", tmp.Name(), os.NewSyscallError("fstat", err))
	}
	if st.Uid == lf.meta.uid && st.Gid == lf.meta.gid {
		return nil
	}
	if err := unix.Fchown(fd, int(lf.meta.uid), int(lf.meta.gid)); err != nil {
		return fmt.Errorf("uci: keep owner %d:%d of %s: %w", lf.meta.uid, lf.meta.gid, lf.real, os.NewSyscallError("fchown", err))
	}
	// chown clears setuid/setgid bits: set the mode again.
	if err := unix.Fchmod(fd, lf.meta.mode); err != nil {
		return fmt.Errorf("uci: chmod %s: %w", tmp.Name(), os.NewSyscallError("fchmod", err))
	}
	return nil
}

// syncDir makes the rename durable: without it a power cut right after
// the update can bring back the old directory entry (libuci skips this).
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("uci: open dir %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("uci: fsync dir %s: %w", dir, err)
	}
	return nil
}

// removeStaleTemps deletes temp files left by our writers that died
// between creating and renaming them (SIGKILL, power loss). It must run
// under the exclusive lock; files of live processes are left alone (a
// writer in this process or in another live one may be about to rename).
func (lf *lockedFile) removeStaleTemps() {
	dir, base := filepath.Split(lf.real)
	prefix := "." + base + tempInfix
	// Readdirnames, not os.ReadDir: no sorting needed, and ReadDir's
	// sort is 13 KB of the router binary (docs/benchmarks.md).
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	for _, name := range names {
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		pidText, _, ok := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if err := unix.Kill(pid, 0); errors.Is(err, unix.ESRCH) {
			os.Remove(filepath.Join(dir, name))
		}
	}
}
