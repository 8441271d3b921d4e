package daemon

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/pkg/door"
)

// TestServe runs the whole server, with or without root, on a system in
// a temporary directory: a custom reload_command (no fw4, no fast path),
// a capture interface that does not exist (capture waits for it), the
// control socket. A HUP with the same config keeps the engine and says
// so, the socket answers, and a cancel stops every task within the
// deadline.
func TestServe(t *testing.T) {
	p := adminPaths(t)
	knock := "config knockd 'main'\n\toption reload_command 'true'\n\tlist interface 'uknone0'\n\toption log_level 'debug'\n" +
		"\nconfig sequence 'ssh'\n\toption sequence '7000 8000'\n\toption dest_port '22'\n"
	if err := os.WriteFile(p.Config, []byte(knock), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(p.Config)
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	var levels []string
	srv, err := New(Options{Paths: p, Socket: filepath.Join(p.Root, "sock"), Version: "test", Log: zerolog.New(&logs),
		LogLevel: func(l string) { levels = append(levels, l) }}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hup := make(chan os.Signal, 1)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, hup) }()
	waitLog := func(what string) bool {
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if strings.Contains(logs.String(), what) {
				return true
			}
		}
		return false
	}
	if !waitLog(`"message":"started"`) {
		t.Fatalf("not started:\n%s", logs.String())
	}
	select {
	case err := <-done:
		t.Fatalf("Serve ended before it was stopped: %v\n%s", err, logs.String())
	case <-time.After(300 * time.Millisecond):
	}
	hup <- syscall.SIGHUP
	if !waitLog("configuration unchanged") {
		t.Fatalf("HUP not handled:\n%s", logs.String())
	}
	if answer, err := AskRunningDaemon(filepath.Join(p.Root, "sock"), "close 192.0.2.7"); err == nil || answer != "" {
		t.Errorf("close of nothing through the socket: %q, %v", answer, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not stop")
	}
	if !strings.Contains(logs.String(), "stopped; open doors keep their timeouts") {
		t.Errorf("no stop line:\n%s", logs.String())
	}
}

// TestRestartOnly: a HUP names the changed options that need a restart;
// log_level is not one (it applies on reload).
func TestRestartOnly(t *testing.T) {
	old := config.Global{LogLevel: "info", BatchWindow: time.Second, CommandLimit: time.Second}
	cur := old
	cur.LogLevel, cur.BatchWindow, cur.ReloadCommand, cur.CommandLimit = "debug", 2*time.Second, "x", time.Minute
	if got := strings.Join(restartOnly(&old, &cur), ","); got != "batch_window,reload_command,command_limit" {
		t.Errorf("restartOnly = %s (log_level applies on reload)", got)
	}
	if got := restartOnly(&old, &old); len(got) != 0 {
		t.Errorf("unchanged: %v", got)
	}
	if usesOneTimeFile(&config.Config{Sequences: []config.Sequence{{}}}) ||
		!usesOneTimeFile(&config.Config{Sequences: []config.Sequence{{}, {OneTimeFile: "f"}}}) {
		t.Error("usesOneTimeFile")
	}
}

func TestMergeChanges(t *testing.T) {
	a, b := make(chan struct{}), make(chan struct{})
	out := mergeChanges(a, b)
	for _, in := range []chan struct{}{a, b} {
		in <- struct{}{}
		select {
		case <-out:
		case <-time.After(5 * time.Second):
			t.Fatal("change not passed on")
		}
	}
	close(a) // a closed input must not spin or block the other
	b <- struct{}{}
	select {
	case <-out:
	case <-time.After(5 * time.Second):
		t.Fatal("change after a closed input not passed on")
	}
}

// TestDoorEventLevels: the keeper's events are logged one line each, at
// the level their kind deserves, with sequence, source, rule and why.
func TestDoorEventLevels(t *testing.T) {
	var logs syncBuffer
	srv := &Server{log: zerolog.New(&logs)}
	src := netip.MustParseAddr("192.0.2.7")
	for _, c := range []struct {
		kind  door.EventKind
		level string
	}{{door.EventOpen, "info"}, {door.EventRemoved, "warn"}, {door.EventReloadFailed, "error"}, {door.EventReload, "debug"}} {
		srv.doorEvent(door.Event{Kind: c.kind, Sequence: "knock.ssh", Src: src, Name: "KnockSSH_192.0.2.7_22", Section: "s",
			Count: 2, Retry: time.Unix(1, 0), Err: errors.New("boom"), Reason: "because"})
		lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
		last := lines[len(lines)-1]
		for _, want := range []string{`"level":"` + c.level + `"`, `"message":"` + c.kind.String() + `"`, `"sequence":"knock.ssh"`,
			`"src":"192.0.2.7"`, `"rule":"KnockSSH_192.0.2.7_22"`, `"why":"because"`, `"count":2`, `"error":"boom"`} {
			if !strings.Contains(last, want) {
				t.Errorf("%s: line %s lacks %s", c.kind, last, want)
			}
		}
	}
}
