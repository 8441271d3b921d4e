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

// TestMain doubles as a helper program: with UCIKNOCK_PROC_HELPER=leave
// the test binary leaves its own process group for its parent's (a
// program that does so cannot be killed through its group) and sleeps.
func TestMain(m *testing.M) {
	if os.Getenv("UCIKNOCK_PROC_HELPER") == "leave" {
		pgid, err := syscall.Getpgid(os.Getppid())
		if err != nil || syscall.Setpgid(0, pgid) != nil {
			os.Exit(21)
		}
		time.Sleep(10 * time.Second)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

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

// sideCase is one run, driven through proc and through an exec.Cmd set up
// the way proc runs a program: its own process group, a Cancel that kills
// the group, the same WaitDelay.
type sideCase struct {
	name string
	// prog makes the program in dir; nil runs `sh -c script`. In script,
	// PIDFILE is a file to write a background child's pid to: the test
	// kills that child when it ends.
	prog    func(t *testing.T, dir string) string
	script  string
	nilOut  bool          // no writers (else stdout and stderr share one buffer)
	failOut bool          // a writer that fails
	timeout time.Duration // the context's; 0: none
	delay   time.Duration // WaitDelay
	// errsDiffer says how proc's error differs from os/exec's on purpose
	// and checks it; nil: the two error strings are the same.
	errsDiffer func(perr, xerr error) bool
	want       string // proc's error, where the case is about it
}

var sideCases = []sideCase{
	{name: "output", script: "echo a; echo b >&2; echo c"},
	{name: "exit 0", script: "exit 0"},
	{name: "exit 3", script: "echo oops >&2; exit 3"},
	{name: "signal", script: "kill -TERM $$"},
	// Discarded output goes to /dev/null and the writes succeed.
	{name: "nil writers", script: "echo x || exit 9; echo y >&2 || exit 8", nilOut: true},
	{name: "missing", prog: func(t *testing.T, dir string) string { return filepath.Join(dir, "missing") }},
	// A file that exists but is not executable: EACCES, even for root.
	{name: "not executable", prog: func(t *testing.T, dir string) string {
		p := filepath.Join(dir, "plain")
		if err := os.WriteFile(p, []byte("#!/bin/sh\nexit 0\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}},
	// The writer fails: the pipe is closed, so the program is not left
	// blocked on a full pipe, and dies of SIGPIPE (it hung until its
	// context ended when the read end stayed open).
	{name: "writer fails", script: "i=0; while [ $i -lt 4000 ]; do echo 0123456789012345678901234567890123456789; i=$((i+1)); done",
		failOut: true, timeout: 5 * time.Second, want: "signal: broken pipe"},
	{name: "directory", prog: func(t *testing.T, dir string) string { return dir }},
	// A program that left its process group is killed itself when the
	// group cannot be (os/exec kills it after WaitDelay; proc at once).
	{name: "left its group", prog: func(t *testing.T, dir string) string {
		t.Setenv("UCIKNOCK_PROC_HELPER", "leave")
		exe, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		return exe
	}, timeout: 300 * time.Millisecond, delay: time.Second, want: "signal: killed"},
	// The context ends while a background child holds the output: the
	// group is killed, so the output ends too.
	{name: "cancelled", script: "echo started; sleep 30 & echo $! > PIDFILE; wait", timeout: 300 * time.Millisecond, delay: time.Second},
	// Exit 0 and a child holding the output: cut off after WaitDelay. The
	// sentinel is proc's own (its wording differs from os/exec's).
	{name: "exit 0, child holds output", script: "echo started; sleep 30 & echo $! > PIDFILE; exit 0", delay: 100 * time.Millisecond,
		errsDiffer: func(perr, xerr error) bool {
			return errors.Is(perr, ErrWaitDelay) && errors.Is(xerr, exec.ErrWaitDelay)
		}},
	// A failure is reported as such, not as the cut-off output.
	{name: "exit 2, child holds output", script: "sleep 30 & echo $! > PIDFILE; exit 2", delay: 100 * time.Millisecond},
	// A child that does not hold the output is no reason to wait.
	{name: "detached child", script: "sleep 30 >/dev/null 2>&1 & echo $! > PIDFILE; exit 0"},
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("proc test: the writer fails") }

// sideRun is one side of a sideCase: its output, exit state and error.
type sideRun struct {
	out   string
	state *os.ProcessState
	err   error
}

// prepare makes the program (in dir), argv and pid file of c, and kills the
// background child the pid file names when the test ends.
func (c sideCase) prepare(t *testing.T, dir, side string) (path string, args []string) {
	t.Helper()
	if c.prog != nil {
		path = c.prog(t, dir)
		return path, []string{path}
	}
	pidFile := filepath.Join(dir, side+".pid")
	t.Cleanup(func() {
		if data, err := os.ReadFile(pidFile); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && pid > 0 {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	return sh(t), []string{"sh", "-c", strings.ReplaceAll(c.script, "PIDFILE", pidFile)}
}

func (c sideCase) context() (context.Context, context.CancelFunc) {
	if c.timeout > 0 {
		return context.WithTimeout(context.Background(), c.timeout)
	}
	return context.WithCancel(context.Background())
}

func (c sideCase) runProc(t *testing.T, dir string) sideRun {
	path, args := c.prepare(t, dir, "proc")
	ctx, cancel := c.context()
	defer cancel()
	var out bytes.Buffer
	cmd := &Cmd{Path: path, Args: args, WaitDelay: c.delay}
	switch {
	case c.failOut:
		cmd.Stdout, cmd.Stderr = failWriter{}, failWriter{}
	case !c.nilOut:
		cmd.Stdout, cmd.Stderr = &out, &out
	}
	err := cmd.Run(ctx)
	return sideRun{out.String(), cmd.State, err}
}

func (c sideCase) runExec(t *testing.T, dir string) sideRun {
	path, args := c.prepare(t, dir, "exec")
	ctx, cancel := c.context()
	defer cancel()
	var out bytes.Buffer
	// CommandContext for the context (Cancel needs it), then the path
	// as it is: Command would look it up and fail differently.
	x := exec.CommandContext(ctx, "sh")
	x.Path, x.Args = path, args
	x.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	x.Cancel = func() error { return syscall.Kill(-x.Process.Pid, syscall.SIGKILL) }
	x.WaitDelay = c.delay
	switch {
	case c.failOut:
		x.Stdout, x.Stderr = failWriter{}, failWriter{}
	case !c.nilOut:
		x.Stdout, x.Stderr = &out, &out
	}
	err := x.Run()
	return sideRun{out.String(), x.ProcessState, err}
}

// TestRunLikeExec: proc's outcomes are os/exec's (what it replaces), for
// every case checked side by side: output, error, exit state.
func TestRunLikeExec(t *testing.T) {
	for _, c := range sideCases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir() // the same program for both: errors name it
			p, x := c.runProc(t, dir), c.runExec(t, dir)
			if c.want != "" && (p.err == nil || p.err.Error() != c.want) {
				t.Errorf("error %v, want %s", p.err, c.want)
			}
			if p.out != x.out {
				t.Errorf("output %q, os/exec %q", p.out, x.out)
			}
			if (p.err == nil) != (x.err == nil) {
				t.Fatalf("error %v, os/exec %v", p.err, x.err)
			}
			if c.errsDiffer != nil {
				if !c.errsDiffer(p.err, x.err) {
					t.Errorf("error %v, os/exec %v", p.err, x.err)
				}
			} else if p.err != nil && p.err.Error() != x.err.Error() {
				t.Errorf("error %q, os/exec %q", p.err, x.err)
			}
			if (p.state == nil) != (x.state == nil) {
				t.Fatalf("state %v, os/exec %v", p.state, x.state)
			}
			if p.state != nil && (p.state.ExitCode() != x.state.ExitCode() || p.state.Exited() != x.state.Exited() || p.state.String() != x.state.String()) {
				t.Errorf("state %v, os/exec %v", p.state, x.state)
			}
			var xe *exec.ExitError
			var pe *ExitError
			if errors.As(x.err, &xe) != errors.As(p.err, &pe) || (pe != nil && pe.ExitCode() != xe.ExitCode()) {
				t.Errorf("%v (%T) is not the ExitError of %v (%T)", p.err, p.err, x.err, x.err)
			}
			var xpe, ppe *fs.PathError
			if errors.As(x.err, &xpe) && (!errors.As(p.err, &ppe) || !errors.Is(p.err, xpe.Err)) {
				t.Errorf("start failure %v (%T), os/exec %v", p.err, p.err, x.err)
			}
		})
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
