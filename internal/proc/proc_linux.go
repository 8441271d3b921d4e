package proc

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// The program runs in its own process group, and a cancelled run kills
// the group: fw4 runs utpl and nft, scripts run sleep and helpers, none
// of which may outlive a run cancelled by its context. A run that ends
// by itself leaves its background children alone (as a shell does); if
// they hold its output, WaitDelay bounds the wait for them.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

func killTree(p *os.Process) error { return syscall.Kill(-p.Pid, syscall.SIGKILL) }

// waitExited returns once p has exited, leaving it unreaped (a zombie
// keeps its pid). An error (EINTR aside) leaves it to p.Wait.
func waitExited(p *os.Process) {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, p.Pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			return
		}
	}
}
