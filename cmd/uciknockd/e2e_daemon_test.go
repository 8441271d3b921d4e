//go:build linux

package main

import (
	"bufio"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// daemonProc is one uciknockd process running in the router namespace,
// its standard error collected line by line.
type daemonProc struct {
	t       *testing.T
	pid     int
	started time.Time
	done    chan struct{} // closed when the process has exited and its log is read

	mu    sync.Mutex // guards lines, state
	lines []string
	state string // exit status, set before done is closed
}

// startDaemon starts `uciknockd run` in the router namespace and waits
// until its capture socket is open (the log says so), so knocks sent
// from now on are seen.
func (e *e2eEnv) startDaemon() *daemonProc {
	e.t.Helper()
	d := e.spawnDaemon()
	if !d.waitLog(5*time.Second, "capture:", "opened") {
		d.kill()
		e.t.Fatalf("uciknockd did not open its capture socket within 5s; log:\n%s", d.log())
	}
	return d
}

// spawnDaemon starts the daemon without waiting for anything.
func (e *e2eEnv) spawnDaemon() *daemonProc {
	e.t.Helper()
	args := append([]string{"netns", "exec", e.net.router.Name}, e.daemonWrap...)
	args = append(append(args, e.daemonBin, "run"), e.pathFlags()...)
	args = append(args, "--socket", e.socket)
	cmd := exec.Command("ip", args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		e.t.Fatal(err)
	}
	d := &daemonProc{t: e.t, done: make(chan struct{}), started: time.Now()}
	if err := cmd.Start(); err != nil {
		e.t.Fatalf("start uciknockd: %v", err)
	}
	d.pid = cmd.Process.Pid // `ip netns exec` execs the daemon in place
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			d.mu.Lock()
			d.lines = append(d.lines, sc.Text())
			d.mu.Unlock()
		}
		err := cmd.Wait()
		d.mu.Lock()
		d.state = cmd.ProcessState.String()
		if err != nil && cmd.ProcessState == nil {
			d.state = err.Error()
		}
		d.mu.Unlock()
		close(d.done)
	}()
	e.t.Cleanup(func() {
		d.kill()
		if e.t.Failed() {
			e.t.Logf("uciknockd (pid %d) log:\n%s", d.pid, d.log())
		}
	})
	return d
}

// log returns everything the daemon logged so far.
func (d *daemonProc) log() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return strings.Join(d.lines, "\n")
}

// mark is the number of log lines so far, for waitLogAfter.
func (d *daemonProc) mark() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.lines)
}

// waitLog waits for a log line containing every one of parts.
func (d *daemonProc) waitLog(timeout time.Duration, parts ...string) bool {
	return d.waitLogAfter(0, timeout, parts...)
}

// waitLogAfter is waitLog for the lines after mark.
func (d *daemonProc) waitLogAfter(mark int, timeout time.Duration, parts ...string) bool {
	deadline := time.Now().Add(timeout)
	for {
		if d.findLog(mark, parts...) != "" {
			return true
		}
		select {
		case <-d.done:
			return d.findLog(mark, parts...) != ""
		default:
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// findLog returns the first line after mark that contains every part.
func (d *daemonProc) findLog(mark int, parts ...string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, l := range d.lines[min(mark, len(d.lines)):] {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(l, p)
		}
		if all {
			return l
		}
	}
	return ""
}

// signal sends sig to the daemon.
func (d *daemonProc) signal(sig syscall.Signal) {
	d.t.Helper()
	if err := syscall.Kill(d.pid, sig); err != nil {
		d.t.Fatalf("kill -%d %d: %v", sig, d.pid, err)
	}
}

// wait waits for the process to exit and returns its exit status.
func (d *daemonProc) wait(timeout time.Duration) (string, bool) {
	select {
	case <-d.done:
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.state, true
	case <-time.After(timeout):
		return "", false
	}
}

// kill SIGKILLs the daemon (if it still runs) and waits for it.
func (d *daemonProc) kill() {
	select {
	case <-d.done:
		return
	default:
	}
	_ = syscall.Kill(d.pid, syscall.SIGKILL)
	if _, ok := d.wait(10 * time.Second); !ok {
		d.t.Errorf("uciknockd pid %d did not die after SIGKILL", d.pid)
	}
}

// stop sends SIGTERM and checks the daemon exits cleanly within the
// two seconds the documentation promises (plus scheduling slack).
func (d *daemonProc) stop() {
	d.t.Helper()
	d.signal(syscall.SIGTERM)
	state, ok := d.wait(3 * time.Second)
	if !ok {
		d.t.Fatalf("uciknockd did not stop within 3s of SIGTERM (promised: 2s); log:\n%s", d.log())
	}
	if state != "exit status 0" {
		d.t.Errorf("uciknockd after SIGTERM: %s, want exit status 0", state)
	}
}
