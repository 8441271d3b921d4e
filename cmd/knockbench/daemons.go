//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// daemon is one of the compared programs, run in the router namespace.
type daemon interface {
	name() string
	version() string
	// start writes a fresh configuration and state, starts the daemon
	// and returns once it captures.
	start(ctx context.Context) error
	pid() int
	// stop ends it with SIGTERM and returns the capture counters if the
	// daemon reports them.
	stop() (captureStats, error)
	// reloads says whether firewall writes and reloads are separate
	// events of this daemon (uciknockd) or it only runs a command.
	reloads() bool
}

// captureStats are a daemon's own counters for its capture.
type captureStats struct {
	known       bool
	received    uint64
	kernelDrops uint64
}

// proc is a daemon process started with `ip netns exec`, which execs the
// daemon, so the PID is the daemon's.
type proc struct {
	cmd  *exec.Cmd
	done chan error
	log  string
}

func startProc(netns, logPath string, argv ...string) (*proc, error) {
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer lf.Close()
	cmd := exec.Command("ip", append([]string{"netns", "exec", netns}, argv...)...)
	cmd.Stdout, cmd.Stderr = lf, lf
	// If the harness dies, so does the daemon.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	p := &proc{cmd: cmd, done: make(chan error, 1), log: logPath}
	go func() { p.done <- cmd.Wait() }()
	return p, nil
}

// waitLog waits until the log holds want, failing early if the process
// exits.
func (p *proc) waitLog(ctx context.Context, want string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if b, _ := os.ReadFile(p.log); bytes.Contains(b, []byte(want)) {
			return nil
		}
		select {
		case err := <-p.done:
			p.done <- err
			b, _ := os.ReadFile(p.log)
			return fmt.Errorf("%s exited (%v) before %q: %s", p.cmd.Args[3], err, want, tail(b))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	b, _ := os.ReadFile(p.log)
	return fmt.Errorf("%s: no %q in its log within %v: %s", p.cmd.Args[3], want, timeout, tail(b))
}

// stop sends SIGTERM and waits; SIGKILL after 5 s.
func (p *proc) stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s ignored SIGTERM for 5 s; killed", p.cmd.Args[3])
	}
}

func tail(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 600 {
		s = "…" + s[len(s)-600:]
	}
	return s
}

func writeScript(path, body string) error {
	return os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755)
}

// uciknockd is our daemon with the bench door, reload_command a script
// that records each run.
type uciknockd struct {
	bin, template, dir string
	ns                 string // router namespace
	batchWindow        string // knock.main.batch_window; "" for the default
	running
}

// running is a started daemon process and how often it was started.
type running struct {
	p      *proc
	starts int
}

func (r *running) pid() int { return r.p.cmd.Process.Pid }

func (u *uciknockd) name() string  { return "uciknockd" }
func (u *uciknockd) reloads() bool { return true }

func (u *uciknockd) version() string {
	out, err := exec.Command(filepath.Join(u.bin, "uciknockd"), "version").Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}

func (u *uciknockd) config() string {
	batch := ""
	if u.batchWindow != "" {
		batch = "\toption batch_window '" + u.batchWindow + "'\n"
	}
	return fmt.Sprintf(`config knockd 'main'
	option enabled '1'
	list interface '%s'
	option reload_command '%s'
	option state_dir '%s'
%s
config sequence 'bench_open'
	option name '%s'
	option sequence '7000 8000 9000'
	option tcpflags 'syn'
	option seq_timeout '5'
	option action 'open'
	option dest_port '22'
	option timeout '3600'
`, routerIf, filepath.Join(u.dir, "reload.sh"), filepath.Join(u.dir, "state"), batch, doorPrefix)
}

func (u *uciknockd) start(ctx context.Context) error {
	conf := filepath.Join(u.dir, "etc", "config")
	if err := os.MkdirAll(conf, 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(u.dir, "state"), 0o755); err != nil {
		return err
	}
	fw, err := os.ReadFile(u.template)
	if err != nil {
		return fmt.Errorf("firewall template: %w", err)
	}
	if err := os.WriteFile(filepath.Join(conf, "firewall"), fw, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(conf, "knock"), []byte(u.config()), 0o644); err != nil {
		return err
	}
	if err := writeScript(filepath.Join(u.dir, "reload.sh"),
		"# stands in for fw4 reload: records each run\necho reload >>"+filepath.Join(u.dir, reloadsFile)); err != nil {
		return err
	}
	u.starts++
	u.p, err = startProc(u.ns, filepath.Join(u.dir, fmt.Sprintf("uciknockd-%d.log", u.starts)),
		filepath.Join(u.bin, "uciknockd"), "run", "--config", filepath.Join(conf, "knock"),
		"--firewall", filepath.Join(conf, "firewall"), "--override-dir", "", "--socket", filepath.Join(u.dir, "uciknockd.sock"),
		"--root", u.dir, "--log-format", "json")
	if err != nil {
		return err
	}
	if err := u.p.waitLog(ctx, `"message":"capture: `+routerIf+`: opened`, 10*time.Second); err != nil {
		_ = u.p.stop()
		return err
	}
	return nil
}

// stop reads the "capture stopped" line uciknockd logs at exit.
func (u *uciknockd) stop() (captureStats, error) {
	err := u.p.stop()
	var st captureStats
	f, ferr := os.Open(u.p.log)
	if ferr != nil {
		return st, errors.Join(err, ferr)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line struct {
			Message     string `json:"message"`
			Received    uint64 `json:"received"`
			KernelDrops uint64 `json:"kernel_drops"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Message == "capture stopped" {
			st = captureStats{known: true, received: line.Received, kernelDrops: line.KernelDrops}
		}
	}
	if !st.known && err == nil {
		err = fmt.Errorf("uciknockd logged no \"capture stopped\" line: %s", u.p.log)
	}
	return st, err
}

// knockd is Debian's knockd with the same door; its start_command is a
// script that records the source.
type knockd struct {
	dir string
	ns  string // router namespace
	running
}

func (k *knockd) name() string  { return "knockd" }
func (k *knockd) reloads() bool { return false }

// version is knockd's own first line and the Debian package version.
func (k *knockd) version() string {
	out, _ := exec.Command("knockd", "-V").CombinedOutput()
	v, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if deb, err := exec.Command("dpkg-query", "-W", "-f", "${Version}", "knockd").Output(); err == nil {
		v += " (Debian " + strings.TrimSpace(string(deb)) + ")"
	}
	return v
}

func (k *knockd) start(ctx context.Context) error {
	if err := writeScript(filepath.Join(k.dir, "knockd-open.sh"),
		"# stands in for the firewall change: records the source\necho \"$1\" >>"+filepath.Join(k.dir, opensFile)); err != nil {
		return err
	}
	k.starts++
	logf := filepath.Join(k.dir, fmt.Sprintf("knockd-%d.log", k.starts))
	conf := fmt.Sprintf(`[options]
	LogFile = %s

[%s]
	sequence = 7000,8000,9000
	seq_timeout = 5
	tcpflags = syn
	start_command = %s %%IP%%
`, logf, doorPrefix, filepath.Join(k.dir, "knockd-open.sh"))
	confPath := filepath.Join(k.dir, "knockd.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return err
	}
	var err error
	k.p, err = startProc(k.ns, logf+".out", "knockd", "-i", routerIf, "-c", confPath)
	if err != nil {
		return err
	}
	k.p.log = logf
	if err := k.p.waitLog(ctx, "listening on", 10*time.Second); err != nil {
		_ = k.p.stop()
		return err
	}
	return nil
}

func (k *knockd) stop() (captureStats, error) { return captureStats{}, k.p.stop() }
