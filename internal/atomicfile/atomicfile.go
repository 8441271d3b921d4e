// Package atomicfile replaces a file's content so that a crash or power
// loss leaves either the old or the new content, never a mix: a temp file
// in the same directory, fsync, rename over the file, fsync the directory.
//
// It does not lock: the writers of a file must agree among themselves
// (uci.File takes libuci's lock for the firewall config).
//
//	err := atomicfile.Write("/etc/knock/ssh.used", data, 0o600)
package atomicfile

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Write replaces path's content with data, the file's mode set to mode
// (0: 0600). Errors name the path and the step that failed.
func Write(path string, data []byte, mode fs.FileMode) (err error) {
	if mode == 0 {
		mode = 0o600
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(mode); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("writing %s: fsync: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("writing %s: opening directory: %w", path, err)
	}
	defer d.Close()
	if err = d.Sync(); err != nil {
		return fmt.Errorf("writing %s: fsync directory: %w", path, err)
	}
	return nil
}
