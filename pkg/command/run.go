package command

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/uciknock/uciknock/internal/proc"
)

// Defaults for a zero Runner.
const (
	DefaultTimeout   = 30 * time.Second
	DefaultMaxOutput = 4096
)

// ErrNotFound means the command's program does not exist or is not
// executable.
var ErrNotFound = errors.New("command: program not found")

// ErrTimeout means the command ran past Runner.Timeout and was killed
// with its process group.
var ErrTimeout = errors.New("command: killed after the time limit")

// Runner runs commands. The zero value is ready to use. A Runner is
// immutable once in use and safe for concurrent use.
type Runner struct {
	// Timeout is the run-time limit (DefaultTimeout when zero).
	Timeout time.Duration
	// MaxOutput bounds the kept output (DefaultMaxOutput when zero).
	MaxOutput int
	// Env is the environment; nil inherits the daemon's.
	Env []string
}

// Result is what a command did.
type Result struct {
	Argv      []string // the expanded argv that ran (or would have)
	Output    []byte   // stdout and stderr, merged, at most MaxOutput bytes
	Truncated bool     // more output was produced than kept
	ExitCode  int      // -1 if it did not start or was killed
}

// Run expands %IP% in argv with ip and runs it without a shell. The
// error is nil only for exit status 0; it wraps ErrNotFound, ErrTimeout,
// the context's error or an *proc.ExitError and names the program.
func (r *Runner) Run(ctx context.Context, argv []string, ip netip.Addr) (Result, error) {
	res := Result{ExitCode: -1}
	if len(argv) == 0 {
		return res, errors.New("command: empty argv")
	}
	expanded, err := Expand(argv, ip)
	if err != nil {
		return res, err
	}
	res.Argv = expanded
	path, err := proc.LookPath(expanded[0])
	if err != nil {
		return res, fmt.Errorf("%w: %q: %v", ErrNotFound, expanded[0], err)
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	max := r.MaxOutput
	if max <= 0 {
		max = DefaultMaxOutput
	}
	out := &limited{max: max}
	// In its own process group, killed as a whole when the time is up
	// (on Linux), so children of a script (sleep, a backgrounded helper)
	// die with it; WaitDelay stops the wait from hanging on a grandchild
	// that escaped the group but holds the output pipe.
	cmd := proc.Cmd{Path: path, Args: expanded, Env: r.Env, Stdout: out, Stderr: out, WaitDelay: time.Second}
	err = cmd.Run(ctx)
	res.Output, res.Truncated = out.buf.Bytes(), out.dropped
	if cmd.State != nil && cmd.State.Exited() {
		res.ExitCode = cmd.State.ExitCode()
	}
	switch {
	case err == nil:
		return res, nil
	case errors.Is(err, proc.ErrWaitDelay) && res.ExitCode == 0:
		// It exited 0 and left a background child holding the output:
		// a helper that daemonised itself. That is success.
		return res, nil
	case errors.Is(ctx.Err(), context.DeadlineExceeded) && res.ExitCode == -1:
		return res, fmt.Errorf("%w (%v): %s", ErrTimeout, timeout, expanded[0])
	case ctx.Err() != nil && res.ExitCode == -1:
		return res, fmt.Errorf("command: %s: %w", expanded[0], ctx.Err())
	}
	return res, fmt.Errorf("command: %s: %w", expanded[0], err)
}

// limited keeps the first max bytes written and notes whether more came.
type limited struct {
	buf     bytes.Buffer
	max     int
	dropped bool
}

func (l *limited) Write(p []byte) (int, error) {
	room := l.max - l.buf.Len()
	if len(p) > room {
		l.dropped = true
		if room > 0 {
			l.buf.Write(p[:room])
		}
		return len(p), nil
	}
	l.buf.Write(p)
	return len(p), nil
}
