package daemon

import (
	"errors"
	"io/fs"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// volatileDir reports whether dir (or, when it does not exist yet, its
// nearest existing parent) is on a file system that a reboot empties,
// and which one.
func volatileDir(dir string) (string, bool) {
	for {
		var st unix.Statfs_t
		err := unix.Statfs(dir, &st)
		if err == nil {
			return volatileFS(int64(st.Type))
		}
		parent := filepath.Dir(dir)
		if !errors.Is(err, fs.ErrNotExist) || parent == dir {
			return "", false
		}
		dir = parent
	}
}

// volatileFS names the memory-backed file system types (OpenWrt's /tmp
// and /var are tmpfs).
func volatileFS(magic int64) (string, bool) {
	switch magic {
	case unix.TMPFS_MAGIC:
		return "tmpfs", true
	case unix.RAMFS_MAGIC:
		return "ramfs", true
	}
	return "", false
}
