package command

import (
	"os/exec"
	"syscall"
	"time"
)

// setGroupKill puts the command in its own process group and makes
// cancellation kill the whole group, so children of a script (sleep, a
// backgrounded helper) die with it. WaitDelay stops Wait from hanging on
// a grandchild that escaped the group but holds the output pipe.
func setGroupKill(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
}
