//go:build !linux

package ucicli

import "os"

// flock is a no-op where flock(2) is not available (libuci ignores
// ENOSYS the same way).
func flock(*os.File, bool) error { return nil }
