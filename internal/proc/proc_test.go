package proc

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func sh(t *testing.T) string {
	t.Helper()
	p, err := LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// run runs `sh -c script` with stdout and stderr into one buffer.
func run(t *testing.T, ctx context.Context, script string, delay time.Duration) (string, *Cmd, error) {
	t.Helper()
	var out bytes.Buffer
	c := &Cmd{Path: sh(t), Args: []string{"sh", "-c", script}, Stdout: &out, Stderr: &out, WaitDelay: delay}
	err := c.Run(ctx)
	return out.String(), c, err
}

// The outcomes are os/exec's (what proc replaces), checked side by side.
func TestRunLikeExec(t *testing.T) {
	for _, script := range []string{"echo a; echo b >&2; echo c", "exit 0", "echo oops >&2; exit 3", "kill -TERM $$"} {
		out, c, err := run(t, context.Background(), script, 0)
		x := exec.Command("sh", "-c", script)
		xout, xerr := x.CombinedOutput()
		if out != string(xout) {
			t.Errorf("%q: output %q, os/exec %q", script, out, xout)
		}
		if (err == nil) != (xerr == nil) || (err != nil && err.Error() != xerr.Error()) {
			t.Errorf("%q: error %v, os/exec %v", script, err, xerr)
		}
		if c.State.ExitCode() != x.ProcessState.ExitCode() || c.State.Exited() != x.ProcessState.Exited() {
			t.Errorf("%q: state %v, os/exec %v", script, c.State, x.ProcessState)
		}
		var ee *ExitError
		if xerr != nil && (!errors.As(err, &ee) || ee.ExitCode() != x.ProcessState.ExitCode()) {
			t.Errorf("%q: %v (%T) is not the ExitError of %v", script, err, err, x.ProcessState)
		}
	}
}

func TestRunStreams(t *testing.T) {
	var out, errb bytes.Buffer
	c := &Cmd{Path: sh(t), Args: []string{"sh", "-c", "echo out; echo err >&2; cat; echo $UCIKNOCK_PROC_TEST"},
		Env: []string{"UCIKNOCK_PROC_TEST=env", "PATH=" + os.Getenv("PATH")}, Stdout: &out, Stderr: &errb}
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	// stdin is /dev/null: cat ends at once.
	if out.String() != "out\nenv\n" || errb.String() != "err\n" {
		t.Errorf("stdout %q, stderr %q", out.String(), errb.String())
	}
	// No writers: the output is discarded; nil Env is this process's.
	t.Setenv("UCIKNOCK_PROC_TEST", "inherited")
	var only bytes.Buffer
	c = &Cmd{Path: sh(t), Args: []string{"sh", "-c", "echo gone >&2; echo $UCIKNOCK_PROC_TEST"}, Stdout: &only}
	if err := c.Run(context.Background()); err != nil || only.String() != "inherited\n" {
		t.Errorf("%v, stdout %q", err, only.String())
	}
	if err := (&Cmd{Path: sh(t), Args: []string{"sh", "-c", "echo x; exit 4"}}).Run(context.Background()); err == nil || err.Error() != "exit status 4" {
		t.Errorf("no writers, exit 4: %v", err)
	}
	// Discarded output is written to /dev/null, not refused: a program
	// that checks its writes succeeds (it exited 9 when /dev/null was
	// opened read-only).
	if err := (&Cmd{Path: sh(t), Args: []string{"sh", "-c", "echo x || exit 9; echo y >&2 || exit 8"}}).Run(context.Background()); err != nil {
		t.Errorf("no writers, checked writes: %v", err)
	}
}

// A cancelled run kills the program and every process of its group: a
// background child must not outlive it.
func TestRunCancelKillsGroup(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	pidFile := filepath.Join(t.TempDir(), "pid")
	out, c, err := run(t, ctx, "sleep 30 & echo $! > "+pidFile+"; wait", 0)
	var ee *ExitError
	if !errors.As(err, &ee) || c.State.Exited() || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("cancelled: %v (%T), state %v, output %q", err, err, c.State, out)
	}
	data, rerr := os.ReadFile(pidFile)
	if rerr != nil {
		t.Fatal(rerr)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	for i := 0; ; i++ {
		// Gone, or a zombie until init reaps it.
		stat, serr := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if serr != nil || strings.Contains(string(stat), ") Z ") {
			break
		}
		if i == 100 {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("background child %d survived the cancelled run", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A context that is already done runs nothing.
	done, stop := context.WithCancel(context.Background())
	stop()
	c = &Cmd{Path: sh(t), Args: []string{"sh", "-c", "touch " + pidFile + ".ran"}}
	if err := c.Run(done); !errors.Is(err, context.Canceled) || c.State != nil {
		t.Errorf("done context: %v, state %v", err, c.State)
	}
	if _, err := os.Stat(pidFile + ".ran"); err == nil {
		t.Error("a run with a done context started the program")
	}
}

// Output a background child keeps open is cut off after WaitDelay:
// ErrWaitDelay when the program succeeded, its ExitError otherwise.
func TestRunWaitDelay(t *testing.T) {
	out, _, err := run(t, context.Background(), "echo started; sleep 30 & exit 0", 100*time.Millisecond)
	if !errors.Is(err, ErrWaitDelay) || out != "started\n" {
		t.Errorf("exit 0 with a child holding the output: %v, %q", err, out)
	}
	_, _, err = run(t, context.Background(), "sleep 30 & exit 2", 100*time.Millisecond)
	var ee *ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Errorf("exit 2 with a child holding the output: %v", err)
	}
	// A child that does not hold the output is no reason to wait.
	if _, _, err = run(t, context.Background(), "sleep 30 >/dev/null 2>&1 & exit 0", 0); err != nil {
		t.Errorf("detached child: %v", err)
	}
}

func TestRunStartFailure(t *testing.T) {
	c := &Cmd{Path: filepath.Join(t.TempDir(), "missing")}
	if err := c.Run(context.Background()); !errors.Is(err, fs.ErrNotExist) || c.State != nil {
		t.Errorf("missing program: %v", err)
	}
}

func TestLookPath(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	prog, plain := write("uciknock-proc-prog", 0o755), write("uciknock-proc-plain", 0o644)
	if err := os.Mkdir(filepath.Join(dir, "uciknock-proc-dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", "relative:"+dir+":/nonexistent")
	if p, err := LookPath("uciknock-proc-prog"); err != nil || p != prog {
		t.Errorf("in PATH: %q, %v", p, err)
	}
	for _, name := range []string{"uciknock-proc-plain", "uciknock-proc-dir", "uciknock-proc-none"} {
		if _, err := LookPath(name); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if p, err := LookPath(prog); err != nil || p != prog {
		t.Errorf("a path: %q, %v", p, err)
	}
	if _, err := LookPath(plain); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("a path to a file that is not executable: %v", err)
	}
	if _, err := LookPath(filepath.Join(dir, "none")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a path to nothing: %v", err)
	}
	// Relative PATH entries are skipped (exec.ErrDot).
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	if err := os.Mkdir("relative", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("relative", "uciknock-proc-rel"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if p, err := LookPath("uciknock-proc-rel"); err == nil {
		t.Errorf("found %q through a relative PATH entry", p)
	}
}
