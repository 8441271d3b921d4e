//go:build linux

package uci

import (
	"bytes"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// Every commit replaces the config inode by rename. A libuci process that
// opened the path before such a rename flocks the old, now unlinked inode
// and never notices (uci.md §8): its "exclusive" lock then excludes nobody
// who locks the new inode; it reads, writes its temp file and renames it
// over whatever is there, dropping any commit made in between.
// refreshOrphan makes such a process read our latest text; the wait below
// keeps our next commit from running concurrently with it.
//
// The stale writer is found by its file descriptor: a process that has
// our config path open for writing, and the kernel shows that path as
// "<path> (deleted)". Its lock is not enough: between libuci's open() and
// flock() the process is not in /proc/locks yet, and under load that gap
// is long enough to lose an update (the concurrency test showed it).
// Readers (fw4, LuCI) open read-only and are ignored.

// staleWriterWait bounds the wait for a stale writer: a libuci commit
// keeps the file open for milliseconds.
const staleWriterWait = 3 * time.Second

// waitStaleWriters waits (bounded) while another process or goroutine
// has a replaced inode of lf's config file open for writing.
func waitStaleWriters(lf *lockedFile) {
	if !staleWriterPresent(lf.real, lf.meta.id) {
		return
	}
	lf.pollWhile(staleWriterWait, 2*time.Millisecond, func() bool {
		return staleWriterPresent(lf.real, lf.meta.id) && lf.checkCurrent() == nil
	})
}

// staleWriterPresent reports whether any process has path open for
// writing although it was deleted (renamed over). Our own inode (which
// may have been replaced meanwhile) does not count.
func staleWriterPresent(path string, own fileID) bool {
	d, err := os.Open("/proc")
	if err != nil {
		return false
	}
	pids, _ := d.Readdirnames(-1)
	d.Close()
	deleted := path + " (deleted)"
	for _, p := range pids {
		if p[0] < '0' || p[0] > '9' {
			continue
		}
		if openedForWrite(p, deleted, own) {
			return true
		}
	}
	return false
}

// openedForWrite reports whether process pid has a descriptor whose link
// reads name, that was opened for writing and is not on inode own.
func openedForWrite(pid, name string, own fileID) bool {
	dir := "/proc/" + pid + "/fd/"
	d, err := os.Open(dir)
	if err != nil {
		return false
	}
	fds, _ := d.Readdirnames(-1)
	d.Close()
	for _, fd := range fds {
		if link, err := os.Readlink(dir + fd); err != nil || link != name {
			continue
		}
		var st unix.Stat_t
		if unix.Stat(dir+fd, &st) != nil || metaOf(&st).id == own {
			continue
		}
		info, err := os.ReadFile("/proc/" + pid + "/fdinfo/" + fd)
		if err == nil && fdinfoWritable(info) {
			return true
		}
	}
	return false
}

// fdinfoWritable reads the octal "flags:" line of /proc/PID/fdinfo/FD and
// reports whether the access mode is O_WRONLY or O_RDWR.
func fdinfoWritable(info []byte) bool {
	for _, line := range bytes.Split(info, []byte("\n")) {
		v, ok := bytes.CutPrefix(line, []byte("flags:"))
		if !ok {
			continue
		}
		flags, err := strconv.ParseUint(string(bytes.TrimSpace(v)), 8, 32)
		return err == nil && flags&3 != 0 // O_ACCMODE: 0 is O_RDONLY
	}
	return false
}
