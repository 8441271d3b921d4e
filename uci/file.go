package uci

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// DefaultLockTimeout is how long Read and Update wait for the config
// file's flock when File.LockTimeout is zero.
const DefaultLockTimeout = 10 * time.Second

// maxAttempts bounds how often Read and Update start over because the
// file was replaced under them (libuci commits rename after unlocking,
// and so do other writers). Under heavy contention a waiter on a replaced
// inode restarts once per competing commit; the lock timeout, which spans
// all attempts, is the real bound.
const maxAttempts = 1000

// ErrLockTimeout is returned (wrapped) when another process held the
// config file's lock for longer than the lock timeout.
var ErrLockTimeout = errors.New("uci: timed out waiting for the config file lock")

// ErrReplacedTooOften is returned (wrapped) when the config file was
// replaced by other writers on every one of 1000 attempts.
var ErrReplacedTooOften = errors.New("uci: config file replaced by other writers on every attempt")

// errReplaced means the locked inode is no longer the one the path names;
// the operation starts over on the new file.
var errReplaced = errors.New("file replaced")

// File is a live UCI config file shared with libuci, LuCI (rpcd) and fw4,
// read and updated with libuci's own locking. The zero LockTimeout means
// DefaultLockTimeout. A File holds no state between calls and may be used
// from several goroutines.
type File struct {
	// Path is the config file, normally /etc/config/<package>. Symlinks
	// are followed like libuci does: the link stays, its target is
	// replaced.
	Path string
	// OverrideDir is libuci's runtime override directory (/var/run/uci):
	// when OverrideDir/<Package> exists, libuci, fw4 and LuCI use it
	// instead of Path, so we do too. Empty disables the override.
	OverrideDir string
	// Package is the package name; empty means the base name of Path.
	Package string
	// LockTimeout bounds the time Read and Update wait for the file lock,
	// over all their attempts.
	LockTimeout time.Duration
}

// deadline returns a channel closed when the lock timeout has passed
// (a timer, not the wall clock) and a func that releases the timer.
func (f *File) deadline() (timeout time.Duration, expired <-chan struct{}, stop func() bool) {
	timeout = f.LockTimeout
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	c := make(chan struct{})
	t := time.AfterFunc(timeout, func() { close(c) })
	return timeout, c, t.Stop
}

// pkgName is the package name libuci would use for this file.
func (f *File) pkgName() string {
	if f.Package != "" {
		return f.Package
	}
	return filepath.Base(f.Path)
}

// Target returns the path actually read and written: the override file
// when it exists, Path otherwise. It is evaluated on every call, as
// libuci does on every load.
func (f *File) Target() string {
	if f.OverrideDir != "" {
		o := filepath.Join(f.OverrideDir, f.pkgName())
		if _, err := os.Stat(o); err == nil {
			return o
		}
	}
	return f.Path
}

// Read returns the parsed package and the raw bytes of the target file,
// read under a shared lock as libuci's loaders do. A file that does not
// parse strictly gives a *ParseError naming the file, line and column.
// Pending changes in libuci's save directory are not applied: Read shows
// the committed file.
func (f *File) Read() (*Package, []byte, error) {
	timeout, expired, stop := f.deadline()
	defer stop()
	for attempt := 0; attempt < maxAttempts; attempt++ {
		target := f.Target()
		lf, err := lockFile(target, false, lockWait{timeout: timeout, expired: expired}, f.pkgName())
		if errors.Is(err, errReplaced) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		data, err := lf.readAll()
		lf.close()
		if err != nil {
			return nil, nil, err
		}
		p, err := parseTarget(target, f.pkgName(), data)
		if err != nil {
			return nil, nil, err
		}
		return p, data, nil
	}
	return nil, nil, fmt.Errorf("uci: read %s: %w", f.Path, ErrReplacedTooOften)
}

// parseTarget parses strictly; a parse error names the file.
func parseTarget(path, name string, data []byte) (*Package, error) {
	return ParseFile(path, name, data)
}

// lockWait is the lock timeout shared by all attempts of one call.
type lockWait struct {
	timeout time.Duration   // for messages
	expired <-chan struct{} // closed when it has passed
}
