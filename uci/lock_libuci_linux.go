//go:build linux

package uci

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// libuciCommitWait bounds how long an update waits for a libuci commit
// that has unlocked the config but not yet renamed its temp file over it.
// That window is a few milliseconds (export, fsync, chmod, rename).
const libuciCommitWait = 3 * time.Second

// libuci's commit (uci.md §8) writes `<confdir>/.<pkg>.uci-XXXXXX` while
// holding the config's lock, unlocks, and only then renames the temp file
// over the config. A writer that takes the lock in that gap still sees the
// old inode under the path, passes the identity check, and its own rename
// would then be overwritten by libuci's, which does not contain it. So
// after locking we wait until no such temp file is pending; the identity
// check that follows sees libuci's replacement and the update starts over
// on the new file.
//
// A temp file left by a `uci` process killed mid-commit would make us wait
// forever, so a temp file counts as pending only if it was modified no
// earlier than the locked config file was put in place (its ctime): a
// commit in flight read the current file and wrote its temp file after.
// An older temp file belongs to a commit that cannot still be renaming
// over this file. The wait is bounded anyway.
func waitLibuciCommit(lf *lockedFile) {
	dirs := []string{filepath.Dir(lf.target)}
	if d := filepath.Dir(lf.real); d != dirs[0] {
		dirs = append(dirs, d)
	}
	prefix := "." + lf.pkg + ".uci-"
	if !libuciTempPending(dirs, prefix, lf.meta.ctime) {
		return
	}
	lf.pollWhile(libuciCommitWait, 5*time.Millisecond, func() bool {
		return libuciTempPending(dirs, prefix, lf.meta.ctime)
	})
}

// pollWhile re-checks cond with a doubling interval (from 200µs up to
// maxPoll) while it holds, for at most limit and never past the caller's
// lock timeout.
func (lf *lockedFile) pollWhile(limit, maxPoll time.Duration, cond func() bool) {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	wait := 200 * time.Microsecond
	for cond() {
		poll := time.NewTimer(wait)
		select {
		case <-deadline.C:
			poll.Stop()
			return
		case <-lf.wait.expired:
			poll.Stop()
			return
		case <-poll.C:
		}
		if wait < maxPoll {
			wait *= 2
		}
	}
}

// libuciTempPending reports whether a libuci temp file for the package
// modified at or after since exists in one of dirs.
func libuciTempPending(dirs []string, prefix string, since unix.Timespec) bool {
	for _, dir := range dirs {
		d, err := os.Open(dir)
		if err != nil {
			continue
		}
		names, _ := d.Readdirnames(-1)
		d.Close()
		for _, n := range names {
			if !strings.HasPrefix(n, prefix) {
				continue
			}
			var st unix.Stat_t
			if unix.Lstat(filepath.Join(dir, n), &st) != nil {
				continue
			}
			if !timespecBefore(st.Mtim, since) {
				return true
			}
		}
	}
	return false
}

func timespecBefore(a, b unix.Timespec) bool {
	return a.Sec < b.Sec || (a.Sec == b.Sec && a.Nsec < b.Nsec)
}

// refreshOrphan writes data into the old inode after it was renamed away.
// libuci processes that opened the path before our rename are waiting for
// the lock on that old inode; libuci never checks that the inode it locked
// is still the config (uci.md §8), so as soon as we unlock they would read
// the old text and their commit would silently drop our update. Giving the
// orphan the new text makes them build on our version instead. It is done
// only when nothing else links to the inode, best effort: it is not needed
// for our own consistency, only for libuci's.
func (lf *lockedFile) refreshOrphan(data []byte) {
	var st unix.Stat_t
	if unix.Fstat(int(lf.f.Fd()), &st) != nil || st.Nlink != 0 {
		return
	}
	// Write before truncating so that a reader that ignores the lock sees
	// the longest possible prefix of a valid file.
	if n, err := lf.f.WriteAt(data, 0); err != nil || n != len(data) {
		return
	}
	_ = lf.f.Truncate(int64(len(data)))
}
