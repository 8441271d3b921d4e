//go:build linux

package ucicli

import (
	"os"
	"syscall"
)

// flock takes libuci's lock on an open config or delta file: shared for
// readers, exclusive for writers, blocking like libuci.
func flock(f *os.File, exclusive bool) error {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			return err
		}
	}
}
