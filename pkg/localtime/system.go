package localtime

import (
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// System is the router's zone as LoadSystem reads it, read again when
// Check finds /etc/TZ or /etc/localtime changed: a time-zone change in
// LuCI rewrites /etc/TZ (on OpenWrt a link to /tmp/TZ) while the daemon
// runs, and a stop_date computed in the old zone would be off by hours for
// nft. Check (a stat of two files) is the caller's to poll; StopDate does
// no I/O and uses the zone the last Check found, so a stop_date computed
// between a change and the next Check is in the old zone: Changed is how
// the caller learns to compute its stop_dates again. Safe for concurrent
// use.
type System struct {
	// Root is the system root ("/" on the router).
	Root string
	// Changed, if set, is called when a new reading takes effect, with the
	// zone now used and the error LoadSystem returned (with an error the
	// zone is musl's own reading of the file, or UTC if it does not read).
	Changed func(z *Zone, err error)

	mu    sync.Mutex // guards stamp and zone
	stamp [2]fileStamp
	zone  *Zone
}

// fileStamp tells whether a file changed: a rewrite in place changes the
// size or the modification time, a rename the inode.
type fileStamp struct {
	exists bool
	ino    uint64
	size   int64
	mtime  time.Time
}

func stampOf(path string) fileStamp {
	fi, err := os.Stat(path) // follows /etc/TZ -> /tmp/TZ
	if err != nil {
		return fileStamp{}
	}
	s := fileStamp{exists: true, size: fi.Size(), mtime: fi.ModTime()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s.ino = uint64(st.Ino)
	}
	return s
}

// Check looks at the files and reads them again if they changed since the
// last Check (the first Check reads them), calling Changed when the
// reading gives another zone; it returns the zone now in use.
func (s *System) Check() *Zone {
	stamp := [2]fileStamp{
		stampOf(filepath.Join(s.Root, "etc", "TZ")),
		stampOf(filepath.Join(s.Root, "etc", "localtime")),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.zone != nil && stamp == s.stamp {
		return s.zone
	}
	z, err := LoadSystem(s.Root)
	if z == nil {
		z = UTC()
	}
	first := s.zone == nil
	changed := first || err != nil || z.String() != s.zone.String()
	s.stamp, s.zone = stamp, z
	if changed && s.Changed != nil {
		s.Changed(z, err)
	}
	return z
}

// StopDate is the stop_date for t in the zone the last Check found
// (Check is made first if there was none).
func (s *System) StopDate(t time.Time) string {
	s.mu.Lock()
	z := s.zone
	s.mu.Unlock()
	if z == nil {
		z = s.Check()
	}
	return z.StopDate(t)
}
