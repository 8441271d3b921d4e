//go:build linux

package main

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/netns"
	"github.com/uciknock/uciknock/internal/testenv"
	"github.com/uciknock/uciknock/uci"
)

// TestE2EOverrideFile: while /var/run/uci/firewall exists, libuci, fw4
// and LuCI use it instead of /etc/config/firewall, so the daemon writes
// its doors there (status reads it too); when it goes away, the doors
// written only there are written again to /etc/config/firewall.
func TestE2EOverrideFile(t *testing.T) {
	testenv.RequireRoot(t)
	t.Parallel()
	e := newEnv(t, false)
	e.overrideDir = filepath.Join(e.dir, "var", "run", "uci")
	override := filepath.Join(e.overrideDir, "firewall")
	if err := os.MkdirAll(filepath.Dir(e.overrideDir), 0o755); err != nil { // /var/run always exists
		t.Fatal(err)
	}
	e.writeConfig("\toption batch_window '1ms'\n", adoptSequences)
	d := e.startDaemon()
	knock := func(src string) string {
		t.Helper()
		if err := e.net.knock(netip.MustParseAddr(src), netns.ProtoUDP, 7011, 7012); err != nil {
			t.Fatal(err)
		}
		return "Long_" + src + "_443"
	}

	a := knock("192.0.2.10")
	e.waitDoorIn(e.firewall, a)
	// An override appears (a LuCI apply with rollback, say).
	if err := os.MkdirAll(e.overrideDir, 0o700); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(e.firewall)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(override, data, 0o644); err != nil {
		t.Fatal(err)
	}
	b := knock("2001:db8::11")
	e.waitDoorIn(override, b)
	if e.doorsIn(e.firewall)[b] != nil {
		t.Errorf("%s written to %s while the override exists", b, e.firewall)
	}
	if st := e.status(); st[a].Name == "" || st[b].Name == "" {
		t.Errorf("status with the override: %v", st)
	}
	// The override goes: the door written only there comes back.
	if err := os.Remove(override); err != nil {
		t.Fatal(err)
	}
	e.waitDoorIn(e.firewall, b)
	d.stop()
}

// doorsIn parses a firewall config file strictly and returns its doors.
func (e *e2eEnv) doorsIn(path string) map[string]*uci.Section {
	e.t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		e.t.Fatal(err)
	}
	p, err := uci.Parse("firewall", data)
	if err != nil {
		e.t.Fatalf("%s does not parse: %v", path, err)
	}
	return doorSections(p)
}

// waitDoorIn waits until the door is in the firewall config file path.
func (e *e2eEnv) waitDoorIn(path, name string) {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for e.doorsIn(path)[name] == nil {
		if time.Now().After(deadline) {
			e.t.Fatalf("%s not in %s within 5s: %v", name, path, doorNames(e.doorsIn(path)))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
