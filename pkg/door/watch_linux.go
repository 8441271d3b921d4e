package door

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Watch reports changes to a few files (the firewall config and its
// /var/run/uci override) through inotify on their directories: libuci
// and the safe update replace the file by rename (IN_MOVED_TO), rpcd's
// rollback rewrites it in place (IN_CLOSE_WRITE), an override appears or
// goes (IN_CREATE, IN_DELETE). A directory that does not exist yet
// (/var/run/uci) is waited for in its parent.
type Watch struct {
	f  *os.File
	ch chan struct{}

	mu   sync.Mutex // guards dirs and wait
	dirs map[int32]*watchedDir
	wait map[int32]*watchedDir // parent wd → dir waited for
}

type watchedDir struct {
	path  string
	names map[string]bool // base names that matter
}

const (
	dirMask    = unix.IN_CLOSE_WRITE | unix.IN_MOVED_TO | unix.IN_CREATE | unix.IN_DELETE | unix.IN_MOVED_FROM
	parentMask = unix.IN_CREATE | unix.IN_MOVED_TO
)

// NewWatch starts watching the directories of paths. Run delivers the
// notifications; Close releases the inotify descriptor.
func NewWatch(paths ...string) (*Watch, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("door: inotify_init1: %w", err)
	}
	w := &Watch{
		f:    os.NewFile(uintptr(fd), "inotify"),
		ch:   make(chan struct{}, 1),
		dirs: make(map[int32]*watchedDir),
		wait: make(map[int32]*watchedDir),
	}
	byDir := make(map[string]*watchedDir)
	for _, p := range paths {
		dir := filepath.Clean(filepath.Dir(p))
		d := byDir[dir]
		if d == nil {
			d = &watchedDir{path: dir, names: make(map[string]bool)}
			byDir[dir] = d
		}
		d.names[filepath.Base(p)] = true
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, d := range byDir {
		if err := w.arm(d); err != nil {
			w.f.Close()
			return nil, err
		}
	}
	return w, nil
}

// arm watches d, or its parent while d does not exist. w.mu is held.
func (w *Watch) arm(d *watchedDir) error {
	fd := int(w.f.Fd())
	wd, err := unix.InotifyAddWatch(fd, d.path, dirMask)
	if err == nil {
		w.dirs[int32(wd)] = d
		return nil
	}
	if !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("door: inotify watch %s: %w", d.path, err)
	}
	parent := filepath.Dir(d.path)
	wd, err = unix.InotifyAddWatch(fd, parent, parentMask)
	if err != nil {
		return fmt.Errorf("door: inotify watch %s (waiting for %s): %w", parent, filepath.Base(d.path), err)
	}
	w.wait[int32(wd)] = d
	return nil
}

// Changes delivers one value per burst of relevant changes (coalesced:
// a slow reader sees one pending notification, never a backlog).
func (w *Watch) Changes() <-chan struct{} { return w.ch }

// Run reads inotify events until ctx is done (then it returns nil) or
// reading fails.
func (w *Watch) Run(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { w.f.SetReadDeadline(time.Now()) })
	defer stop()
	buf := make([]byte, 64*(unix.SizeofInotifyEvent+unix.NAME_MAX+1))
	for {
		n, err := w.f.Read(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("door: inotify read: %w", err)
		}
		if w.handle(buf[:n]) {
			select {
			case w.ch <- struct{}{}:
			default:
			}
		}
	}
}

// handle parses a buffer of events and reports whether one matters.
func (w *Watch) handle(b []byte) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	hit := false
	for len(b) >= unix.SizeofInotifyEvent {
		ev := (*unix.InotifyEvent)(unsafe.Pointer(&b[0]))
		end := unix.SizeofInotifyEvent + int(ev.Len)
		if end > len(b) {
			break
		}
		name := unix.ByteSliceToString(b[unix.SizeofInotifyEvent:end])
		b = b[end:]
		switch {
		case ev.Mask&unix.IN_Q_OVERFLOW != 0:
			hit = true // events lost: look at the file anyway
		case w.dirs[ev.Wd] != nil:
			d := w.dirs[ev.Wd]
			if ev.Mask&unix.IN_IGNORED != 0 { // directory gone: wait for it again
				delete(w.dirs, ev.Wd)
				hit = w.arm(d) == nil || hit
				continue
			}
			hit = hit || d.names[name]
		case w.wait[ev.Wd] != nil:
			d := w.wait[ev.Wd]
			if name == filepath.Base(d.path) && ev.Mask&unix.IN_ISDIR != 0 {
				unix.InotifyRmWatch(int(w.f.Fd()), uint32(ev.Wd))
				delete(w.wait, ev.Wd)
				if w.arm(d) == nil {
					hit = true // the file may already be inside
				}
			}
		}
	}
	return hit
}

// Close stops the watch; a running Run returns an error.
func (w *Watch) Close() error { return w.f.Close() }
