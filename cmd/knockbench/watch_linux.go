package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// FileEvent is one inotify event, stamped when the watcher read it.
type FileEvent struct {
	Dir  string // the watched directory
	Name string // the file in it
	Mask uint32 // unix.IN_*
	At   time.Time
}

// Watcher reports changes to files in a few directories through inotify:
// renames into them (an atomic file replace), closes after writing and
// appends. It is how the harness sees a daemon act without polling.
type Watcher struct {
	f    *os.File
	dirs map[int]string // watch descriptor → directory; written before Run only
}

// WatchMask is what the harness watches: a file renamed into place, and a
// file written (an append by a recording script).
const WatchMask = unix.IN_MOVED_TO | unix.IN_CLOSE_WRITE | unix.IN_MODIFY

// NewWatcher watches dirs.
func NewWatcher(dirs ...string) (*Watcher, error) {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("inotify: %w", err)
	}
	w := &Watcher{f: os.NewFile(uintptr(fd), "inotify"), dirs: map[int]string{}}
	for _, d := range dirs {
		wd, err := unix.InotifyAddWatch(fd, d, WatchMask)
		if err != nil {
			w.f.Close()
			return nil, fmt.Errorf("inotify: watch %s: %w", d, err)
		}
		w.dirs[wd] = d
	}
	return w, nil
}

// Run reads events and passes each to fn until Close; it returns nil then.
func (w *Watcher) Run(fn func(FileEvent)) error {
	buf := make([]byte, 64*1024)
	for {
		n, err := w.f.Read(buf)
		if err != nil {
			if errors.Is(err, os.ErrClosed) || errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("inotify: read: %w", err)
		}
		at := time.Now()
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			nameLen := int(ev.Len)
			start := off + unix.SizeofInotifyEvent
			if start+nameLen > n {
				break
			}
			name := cString(buf[start : start+nameLen])
			fn(FileEvent{Dir: w.dirs[int(ev.Wd)], Name: name, Mask: ev.Mask, At: at})
			off = start + nameLen
		}
	}
}

// Close stops Run.
func (w *Watcher) Close() error { return w.f.Close() }

func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
