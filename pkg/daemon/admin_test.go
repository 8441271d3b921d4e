package daemon

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/uciknock/uciknock/pkg/door"
	"github.com/uciknock/uciknock/uci"
)

// adminPaths is a system in a temporary directory: a knock config whose
// firewall reload is `true`, a firewall config with the given doors, no
// fw4 under Root (so no fast path is looked for in the kernel).
func adminPaths(t *testing.T, doors ...door.Door) Paths {
	t.Helper()
	dir := t.TempDir()
	p := Paths{Config: filepath.Join(dir, "knock"), Firewall: filepath.Join(dir, "firewall"), Root: dir}
	knock := "config knockd 'main'\n\toption reload_command 'true'\n\nconfig sequence 'ssh'\n\toption sequence '7000 8000'\n\toption dest_port '22'\n"
	if err := os.WriteFile(p.Config, []byte(knock), 0o600); err != nil {
		t.Fatal(err)
	}
	var fw []byte
	for _, d := range doors {
		d, err := d.Normalize()
		if err != nil {
			t.Fatal(err)
		}
		fw = append(fw, uci.RenderSection(door.Section(d, door.TimeLimit{}))...)
	}
	if err := os.WriteFile(p.Firewall, fw, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func sshDoor(src string, exp time.Time) door.Door {
	return door.Door{Kind: door.Rule, Prefix: "KnockSSH", Src: netip.MustParseAddr(src), Port: 22, Expires: exp}
}

func TestStatusWithoutFastPath(t *testing.T) {
	now := time.Now()
	p := adminPaths(t, sshDoor("192.0.2.7", now.Add(time.Hour)), sshDoor("192.0.2.8", now.Add(-time.Minute)))
	doors, state, err := Status(p, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(doors) != 2 || doors[0].Live || doors[1].Live || !doors[1].Expired {
		t.Errorf("doors %+v", doors)
	}
	if !strings.HasPrefix(state, "off: ") {
		t.Errorf("fast path state %q, want off (reload_command)", state)
	}
	if _, _, err := Status(Paths{Firewall: filepath.Join(p.Root, "missing", "firewall")}, now); err == nil {
		t.Error("status of a missing firewall config succeeded")
	}
}

func TestCloseOffline(t *testing.T) {
	now := time.Now()
	p := adminPaths(t, sshDoor("192.0.2.7", now.Add(time.Hour)), sshDoor("192.0.2.8", now.Add(time.Hour)))
	if _, err := CloseOffline(p, door.ParseSelector("192.0.2.9")); err == nil || !strings.Contains(err.Error(), "no door matches 192.0.2.9") {
		t.Errorf("no match: %v", err)
	}
	r, err := CloseOffline(p, door.ParseSelector("KnockSSH_192.0.2.7_22"))
	if err != nil || r.Removed != 1 || r.Firewall == "" {
		t.Fatalf("close: %+v, %v", r, err)
	}
	data, _ := os.ReadFile(p.Firewall)
	if bytes.Contains(data, []byte("192.0.2.7")) || !bytes.Contains(data, []byte("192.0.2.8")) {
		t.Errorf("after close:\n%s", data)
	}
}

func TestPurge(t *testing.T) {
	now := time.Now()
	p := adminPaths(t, sshDoor("192.0.2.7", now.Add(time.Hour)), sshDoor("192.0.2.8", now.Add(-time.Minute)),
		sshDoor("192.0.2.9", time.Time{}))
	r, err := Purge(p, now)
	if err != nil || r.Expired != 1 {
		t.Fatalf("first purge: %+v, %v", r, err)
	}
	// The first purge of a boot: the live timed door goes too unless the
	// clock is known good (an RTC under Root: none; NTP: this machine's).
	if (r.Untrusted == 1) != (r.Why != "") || r.Untrusted > 1 {
		t.Errorf("first purge: %+v", r)
	}
	data, _ := os.ReadFile(p.Firewall)
	if bytes.Contains(data, []byte("192.0.2.8")) || !bytes.Contains(data, []byte("192.0.2.9")) {
		t.Errorf("after purge:\n%s", data)
	}
	if r, err := Purge(p, now); err != nil || r.Expired != 0 || r.Untrusted != 0 {
		t.Errorf("second purge of the boot: %+v, %v", r, err)
	}
}

// TestControlSocket: `uciknockd close` through a running daemon's socket
// closes the keeper's doors it names, and says so; an unknown request or
// target is an error answer, and no daemon is ErrNoDaemon.
func TestControlSocket(t *testing.T) {
	dir := t.TempDir()
	k, err := door.New(door.Config{Store: &uci.File{Path: filepath.Join(dir, "firewall"), Package: "firewall"},
		Reloader: nopReloader{}, Batch: door.NoBatch})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "firewall"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx) }()
	if err := k.Open(sshDoor("192.0.2.7", time.Now().Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); len(k.Doors()) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("door never opened")
		}
	}
	socket := filepath.Join(dir, "sock")
	if _, err := AskRunningDaemon(socket, "close 192.0.2.7"); err != ErrNoDaemon {
		t.Fatalf("no daemon: %v", err)
	}
	lock, err := LockInstance(socket)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if _, err := LockInstance(socket); err == nil || !strings.Contains(err.Error(), "another uciknockd") {
		t.Errorf("second instance: %v", err)
	}
	l, err := listenControl(socket)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	srv := &Server{keeper: k, log: zerolog.New(&logs)}
	served := make(chan error, 1)
	go func() { served <- serveControl(ctx, l, srv) }()
	if _, err := AskRunningDaemon(socket, "open 192.0.2.7"); err == nil || !strings.Contains(err.Error(), "unknown request") {
		t.Errorf("unknown request: %v", err)
	}
	if _, err := AskRunningDaemon(socket, "close 192.0.2.9"); err == nil || !strings.Contains(err.Error(), "no open door matches") {
		t.Errorf("unknown target: %v", err)
	}
	answer, err := AskRunningDaemon(socket, "close 192.0.2.7")
	if err != nil || answer != "ok: closing 1 door(s)" {
		t.Errorf("close: %q, %v", answer, err)
	}
	if !strings.Contains(logs.String(), "uciknockd close") {
		t.Errorf("close not logged: %s", logs.String())
	}
	for deadline := time.Now().Add(5 * time.Second); len(k.Doors()) != 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("door never closed")
		}
	}
	cancel()
	if err := <-served; err != nil {
		t.Errorf("serveControl: %v", err)
	}
	<-done
}
