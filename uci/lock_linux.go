//go:build linux

package uci

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// fileID identifies an inode: what libuci's lock is really attached to.
type fileID struct {
	dev, ino uint64
}

// fileMeta is what a replacement file must inherit from the file it
// replaces.
type fileMeta struct {
	id       fileID
	mode     uint32 // permission bits including setuid/setgid/sticky
	uid, gid uint32
	size     int64
	ctime    unix.Timespec
}

func metaOf(st *unix.Stat_t) fileMeta {
	return fileMeta{
		id:    fileID{dev: uint64(st.Dev), ino: uint64(st.Ino)}, // Dev is uint32 on mips
		mode:  uint32(st.Mode) & 0o7777,
		uid:   st.Uid,
		gid:   st.Gid,
		size:  st.Size,
		ctime: st.Ctim,
	}
}

// lockedFile is a config file opened and flock()ed the way libuci does it
// (uci: util.c uci_open_stream): the lock sits on the config file's own
// inode, so libuci writers and readers see it.
type lockedFile struct {
	f *os.File
	// target is the path callers asked for (it may be a symlink); real is
	// its resolved path, the name that gets replaced by rename.
	target, real string
	meta         fileMeta
	pkg          string   // package name, for libuci's temp file names
	wait         lockWait // the caller's lock timeout
}

// lockFile opens target, takes a shared or exclusive flock before w
// expires and checks that the locked inode is still the one the path
// names. A file replaced while we waited (libuci renames after unlocking)
// gives errReplaced so the caller starts over on the new file. With
// exclusive, it also waits for a libuci commit of package pkg that has
// unlocked but not yet renamed (waitLibuciCommit), then checks again.
func lockFile(target string, exclusive bool, w lockWait, pkg string) (*lockedFile, error) {
	real, err := filepath.EvalSymlinks(target)
	if err != nil {
		return nil, fmt.Errorf("uci: resolve %s: %w", target, err)
	}
	flag, how := os.O_RDONLY, unix.LOCK_SH
	if exclusive {
		flag, how = os.O_RDWR, unix.LOCK_EX
	}
	// No O_CREAT: a missing config is an error, never silently created.
	f, err := os.OpenFile(real, flag|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("uci: open %s: %w", real, err)
	}
	if err := flockWait(f, how, w); err != nil {
		f.Close()
		return nil, fmt.Errorf("uci: lock %s: %w", real, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		f.Close()
		return nil, fmt.Errorf("uci: fstat %s: %w", real, os.NewSyscallError("fstat", err))
	}
	lf := &lockedFile{f: f, target: target, real: real, meta: metaOf(&st), pkg: pkg, wait: w}
	err = lf.checkCurrent()
	if err == nil && exclusive {
		// Not worth reading a file that a pending libuci rename is about
		// to replace; stale writers are looked for before our rename.
		waitLibuciCommit(lf)
		err = lf.checkCurrent()
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return lf, nil
}

// settle is run by an exclusive holder just before renaming. It waits
// (bounded) for writers that can still rename over the file although we
// hold its lock: processes that opened a replaced inode
// (waitStaleWriters) and libuci commits between their unlock and their
// rename (waitLibuciCommit); then it checks the identity. Only the holder
// of the current inode waits for others (holders of replaced inodes fail
// their identity check and close it without waiting), so these waits
// cannot form a cycle.
func (lf *lockedFile) settle() error {
	waitStaleWriters(lf)
	waitLibuciCommit(lf)
	return lf.checkCurrent()
}

// checkCurrent reports errReplaced unless target still resolves to the
// locked inode. It is run after locking and again just before the rename.
func (lf *lockedFile) checkCurrent() error {
	real, err := filepath.EvalSymlinks(lf.target)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("uci: %s vanished: %w", lf.target, errReplaced)
		}
		return fmt.Errorf("uci: resolve %s: %w", lf.target, err)
	}
	if real != lf.real {
		return fmt.Errorf("uci: %s now points to %s: %w", lf.target, real, errReplaced)
	}
	var st unix.Stat_t
	if err := unix.Stat(real, &st); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("uci: %s vanished: %w", real, errReplaced)
		}
		return fmt.Errorf("uci: stat %s: %w", real, os.NewSyscallError("stat", err))
	}
	if metaOf(&st).id != lf.meta.id {
		return fmt.Errorf("uci: %s was replaced while locked: %w", real, errReplaced)
	}
	return nil
}

// readAll reads the whole locked file from its start.
func (lf *lockedFile) readAll() ([]byte, error) {
	buf := make([]byte, 0, lf.meta.size+512)
	r := io.NewSectionReader(lf.f, 0, 1<<62)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, fmt.Errorf("uci: read %s: %w", lf.real, err)
		}
	}
}

// close releases the lock (closing the last fd of an flock drops it).
func (lf *lockedFile) close() error {
	return lf.f.Close()
}

// flockWait takes the lock with LOCK_NB polling so that a stuck holder
// (a hung LuCI session, a stopped `uci` process) cannot block us forever;
// libuci itself blocks without limit. It never reads the wall clock: the
// expiry is a timer. Polls are at most 2 ms apart so that a waiter is not
// much slower than libuci's blocking flock.
func flockWait(f *os.File, how int, w lockWait) error {
	fd := int(f.Fd())
	wait := 100 * time.Microsecond
	for {
		err := unix.Flock(fd, how|unix.LOCK_NB)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, unix.EINTR):
			continue
		case !errors.Is(err, unix.EWOULDBLOCK):
			return os.NewSyscallError("flock", err)
		}
		poll := time.NewTimer(wait)
		select {
		case <-w.expired:
			poll.Stop()
			return fmt.Errorf("%w after %v", ErrLockTimeout, w.timeout)
		case <-poll.C:
		}
		if wait < 2*time.Millisecond {
			wait *= 2
		}
	}
}
