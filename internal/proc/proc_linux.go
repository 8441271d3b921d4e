package proc

import (
	"os"
	"syscall"
)

// The program runs in its own process group, and a cancelled run kills
// the group: fw4 runs utpl and nft, scripts run sleep and helpers, none
// of which may outlive it.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

func killTree(p *os.Process) error { return syscall.Kill(-p.Pid, syscall.SIGKILL) }
