package fwreload

import (
	"bytes"
	"context"
	"time"

	"github.com/uciknock/uciknock/internal/proc"
)

// RealExec runs argv without a shell in a new process group. When ctx
// ends the whole group gets SIGKILL (fw4 runs utpl and nft as children,
// which must not outlive it); the output is collected in memory.
func RealExec(ctx context.Context, argv []string) (stdout, stderr []byte, err error) {
	out, errb := &capped{max: maxOutput + 1}, &capped{max: maxOutput + 1}
	path, err := proc.LookPath(argv[0])
	if err != nil {
		return nil, nil, err
	}
	cmd := proc.Cmd{Path: path, Args: argv, Stdout: out, Stderr: errb,
		WaitDelay: 2 * time.Second} // do not wait forever for a grandchild holding the pipes
	err = cmd.Run(ctx)
	return out.buf.Bytes(), errb.buf.Bytes(), err
}

// capped keeps the first max bytes written and discards the rest, so a
// chatty command cannot make us hold unbounded output.
type capped struct {
	buf bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); room > 0 {
		if len(p) > room {
			c.buf.Write(p[:room])
		} else {
			c.buf.Write(p)
		}
	}
	return len(p), nil
}
