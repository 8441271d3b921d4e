//go:build !linux

package command

import (
	"os/exec"
	"time"
)

// setGroupKill kills only the process itself off Linux.
func setGroupKill(cmd *exec.Cmd) { cmd.WaitDelay = time.Second }
