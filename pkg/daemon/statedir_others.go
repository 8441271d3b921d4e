//go:build !linux

package daemon

// volatileDir cannot tell file system types apart here; it reports none.
func volatileDir(string) (string, bool) { return "", false }
