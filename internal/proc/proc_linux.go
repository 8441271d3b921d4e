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

// kill kills the process and the group it leads; if the group cannot be
// signalled (the process left it), the process itself, as os/exec does
// when its Cancel fails. By pid, not pidfd (os.Process.Kill, 2 KB more on
// mipsle): Run calls it only before the process is reaped, so the pid is
// still the process's.
func kill(p *os.Process) error {
	if syscall.Kill(-p.Pid, syscall.SIGKILL) == nil {
		return nil
	}
	return syscall.Kill(p.Pid, syscall.SIGKILL)
}

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
