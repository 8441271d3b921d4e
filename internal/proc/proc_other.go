//go:build !linux

package proc

import (
	"os"
	"syscall"
)

// Off Linux a cancelled run kills only the process itself.
func sysProcAttr() *syscall.SysProcAttr { return nil }

func kill(p *os.Process) error { return p.Kill() }

// waitExited does nothing: p.Wait reaps the process at once.
func waitExited(*os.Process) {}
