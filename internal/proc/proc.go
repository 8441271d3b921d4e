// Package proc runs a program to completion for the daemon: argv without
// a shell, output into writers, a context that kills it, and a bound on
// waiting for output a background child keeps open. It is the part of
// os/exec that uciknockd needs (fw4 and fw3, ubus, knockd-style
// commands) without os/exec, which made the mipsle router binary 41 KB
// larger (docs/benchmarks.md, binary sizes).
//
// The behaviour follows exec.Cmd with Cancel killing the process group
// and a WaitDelay: an exit status other than 0 is an *ExitError ("exit
// status 3", "signal: killed"); a context that ends first kills the
// process (on Linux its whole process group), and the error is the
// context's unless the process then failed; output still open WaitDelay
// after the exit is cut off, with ErrWaitDelay when the process itself
// succeeded.
package proc

import (
	"context"
	"errors"
	"io"
	"os"
	"time"
)

// Cmd is one run of a program.
type Cmd struct {
	// Path is the program to run: a path, as LookPath returns it.
	Path string
	// Args is the argv, Args[0] included (the name the program sees).
	// Empty: just Path.
	Args []string
	// Env is the environment; nil means this process's.
	Env []string
	// Stdout and Stderr receive the output; nil discards it. The same
	// writer for both shares one pipe, so the output keeps its order.
	Stdout, Stderr io.Writer
	// WaitDelay bounds the wait for the output to end after the process
	// exited (a child it left behind may hold the pipe); 0 waits for good.
	WaitDelay time.Duration
	// State is the process's exit state once Run has waited for it.
	State *os.ProcessState
}

// ExitError is a process that did not exit with status 0, as
// exec.ExitError: its Error is the ProcessState's ("exit status 3").
type ExitError struct {
	*os.ProcessState
}

func (e *ExitError) Error() string { return e.ProcessState.String() }

// ErrWaitDelay is the error of a process that exited 0 but whose output
// was still open WaitDelay later (as exec.ErrWaitDelay).
var ErrWaitDelay = errors.New("proc: output still open after the wait delay")

// Run starts the program, waits for it and for the end of its output,
// and returns nil only for exit status 0 with the output ended in time.
// A program that cannot start is an error from os.StartProcess.
func (c *Cmd) Run(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	// Read-write, as os/exec opens it: the child's writes to a
	// discarded stdout or stderr must succeed, not fail with EBADF.
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer null.Close()
	var o outputs
	files := []*os.File{null, null, null}
	if c.Stdout != nil {
		if files[1], err = o.pipe(c.Stdout); err != nil {
			o.abort()
			return err
		}
	}
	switch {
	case c.Stderr == nil:
	case c.Stderr == c.Stdout:
		files[2] = files[1]
	default:
		if files[2], err = o.pipe(c.Stderr); err != nil {
			o.abort()
			return err
		}
	}
	args := c.Args
	if len(args) == 0 {
		args = []string{c.Path}
	}
	p, err := os.StartProcess(c.Path, args, &os.ProcAttr{Env: c.Env, Files: files, Sys: sysProcAttr()})
	// The child has its copies of the write ends: the output ends when
	// it and every child it left behind have closed them.
	for _, w := range o.writers {
		w.Close()
	}
	if err != nil {
		o.abort()
		return err
	}
	exited := make(chan struct{})
	watched := make(chan struct{})
	killed := make(chan error, 1)
	go func() {
		defer close(watched)
		select {
		case <-ctx.Done():
			if kill(p) == nil {
				killed <- ctx.Err()
			}
		case <-exited:
		}
	}()
	// The watcher stops before the process is reaped: until then its pid,
	// which is its group's id, cannot be another process's, so a kill
	// racing with the exit cannot hit a stranger.
	waitExited(p)
	close(exited)
	<-watched
	state, err := p.Wait()
	c.State = state
	if err == nil && !state.Success() {
		err = &ExitError{state}
	}
	if err == nil {
		select {
		case err = <-killed:
		default:
		}
	}
	if outErr := o.wait(c.WaitDelay); err == nil {
		err = outErr
	}
	return err
}

// outputs are the pipes of one Run and the goroutines copying them.
type outputs struct {
	readers, writers []*os.File
	done             chan error
}

func (o *outputs) pipe(w io.Writer) (*os.File, error) {
	r, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	if o.done == nil {
		o.done = make(chan error, 2)
	}
	o.readers, o.writers = append(o.readers, r), append(o.writers, pw)
	go func() {
		_, err := io.Copy(w, r)
		// Closed at once, as os/exec does: after a write error the
		// program gets EPIPE (or SIGPIPE) instead of blocking on a full
		// pipe nobody reads.
		r.Close()
		o.done <- err
	}()
	return pw, nil
}

// abort ends the copying when the process never started.
func (o *outputs) abort() {
	for _, w := range o.writers {
		w.Close()
	}
	o.wait(0)
}

// wait waits for every copy to end, at most delay (0: no limit). Then it
// closes the read ends, which ends copies that are still blocked, and
// waits for those: the writers are the caller's again when it returns.
func (o *outputs) wait(delay time.Duration) error {
	var timeout <-chan time.Time
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		timeout = t.C
	}
	var err error
	n := 0
	for ; n < len(o.readers) && err != ErrWaitDelay; n++ {
		select {
		case e := <-o.done:
			if err == nil {
				err = e
			}
		case <-timeout:
			err = ErrWaitDelay
			n--
		}
	}
	for _, r := range o.readers {
		r.Close()
	}
	for ; n < len(o.readers); n++ {
		<-o.done
	}
	return err
}
