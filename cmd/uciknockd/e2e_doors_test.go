//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/testenv"
	"github.com/uciknock/uciknock/uci"
)

// lifecycleSequences: the demo's doors (SSH open/close over TCP SYNs, a
// UDP-knocked forward with a 6 s timeout, an unforward), read from the
// file scripts/demo.sh uses. The forward's timeout is left at 6 s: with
// 2 s it could expire before status listed it on a loaded machine.
var lifecycleSequences = demoSequences()

func demoSequences() string {
	data, err := os.ReadFile("../../scripts/demo/knock-sequences")
	if err != nil {
		panic(err) // the file is in the repository; nothing runs without it
	}
	if !strings.Contains(string(data), "option timeout '6'") {
		panic("scripts/demo/knock-sequences: the forward's timeout '6' is gone; update TestE2EDoorLifecycle")
	}
	return string(data)
}

// statusEntry is what `uciknockd status --json` prints per door.
type statusEntry struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Source   string `json:"source"`
	Port     uint16 `json:"port"`
	Proto    string `json:"proto"`
	DestIP   string `json:"dest_ip"`
	DestPort uint16 `json:"dest_port"`
	Expires  int64  `json:"expires"`
	Left     int64  `json:"seconds_left"`
	Expired  bool   `json:"expired"`
}

func (e *e2eEnv) status() map[string]statusEntry {
	e.t.Helper()
	out, errOut, code := e.cli("", append([]string{"status", "--json"}, e.pathFlags()...)...)
	if code != 0 {
		e.t.Fatalf("uciknockd status --json: exit %d: %s", code, errOut)
	}
	var list []statusEntry
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		e.t.Fatalf("uciknockd status --json: %v\n%s", err, out)
	}
	m := map[string]statusEntry{}
	for _, s := range list {
		m[s.Name] = s
	}
	return m
}

// checkDoorSection compares a door section with what fw4 needs: its type,
// exactly the options in want, a stop_date, and the marker with an expiry
// timeout from about now.
func checkDoorSection(t *testing.T, s *uci.Section, typ string, want map[string]string, timeout time.Duration) {
	t.Helper()
	if s.Type != typ {
		t.Errorf("%s: section type %q, want %q", s.Name, s.Type, typ)
	}
	got := map[string]string{}
	for _, o := range s.Options {
		if o.Kind != uci.KindOption || len(o.Values) != 1 {
			t.Errorf("%s: option %s is a list", s.Name, o.Name)
			continue
		}
		got[o.Name] = o.Values[0]
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: option %s = %q, want %q", s.Name, k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok && k != "stop_date" && k != "uciknock" {
			t.Errorf("%s: unexpected option %s = %q", s.Name, k, got[k])
		}
	}
	if got["stop_date"] == "" {
		t.Errorf("%s: no stop_date (the kernel-side backstop)", s.Name)
	}
	exp := expiresOf(t, s)
	if d := time.Until(exp); d < timeout-3*time.Second || d > timeout+time.Second {
		t.Errorf("%s: expires in %v, want about %v", s.Name, d, timeout)
	}
}

func ruleWant(name, src, family string) map[string]string {
	return map[string]string{"name": name, "src": "wan", "src_ip": src, "proto": "tcp",
		"dest_port": "22", "target": "ACCEPT", "family": family}
}

// TestE2EDoorLifecycle: knock with the real client → the rule is in
// /etc/config/firewall with the options fw4 needs → status lists it →
// the close sequence (or `uciknockd close`) removes it; IPv4, IPv6, and a
// forward (redirect with reflection '0') closed by unforward and by its
// timeout.
func TestE2EDoorLifecycle(t *testing.T) {
	testenv.RequireRoot(t)
	t.Parallel()
	e := newEnv(t, false)
	e.writeConfig("", lifecycleSequences)
	d := e.startDaemon()
	reloads0 := e.reloadCount()

	e.knockClient("-d", "20", router4.String(), "7000", "8000", "9000")
	s := e.waitDoor("KnockSSH_192.0.2.7_22", true, 5*time.Second)
	checkDoorSection(t, s, "rule", ruleWant("KnockSSH_192.0.2.7_22", "192.0.2.7", "ipv4"), time.Minute)
	e.knockClient("-6", "-d", "20", router6.String(), "7000", "8000", "9000")
	s = e.waitDoor("KnockSSH_2001:db8::7_22", true, 5*time.Second)
	checkDoorSection(t, s, "rule", ruleWant("KnockSSH_2001:db8::7_22", "2001:db8::7", "ipv6"), time.Minute)

	fwd := map[string]string{"name": "KnockWeb_192.0.2.7_8080", "src": "wan", "src_ip": "192.0.2.7", "proto": "tcp",
		"src_dport": "8080", "dest": "lan", "dest_ip": "192.168.1.10", "dest_port": "80", "target": "DNAT",
		"family": "ipv4", "reflection": "0"}
	e.knockClient("-u", "-d", "20", router4.String(), "1111", "2222", "3333")
	s = e.waitDoor("KnockWeb_192.0.2.7_8080", true, 5*time.Second)
	checkDoorSection(t, s, "redirect", fwd, 6*time.Second)

	checkLifecycleStatus(t, e.status())

	e.knockClient("-u", "-d", "20", router4.String(), "3333", "2222", "1111")
	e.waitDoor("KnockWeb_192.0.2.7_8080", false, 5*time.Second)
	e.knockClient("-d", "20", router4.String(), "9000", "8000", "7000")
	e.waitDoor("KnockSSH_192.0.2.7_22", false, 5*time.Second)
	if out, errOut, code := e.cli("", "close", "--socket", e.socket, "2001:db8::7"); code != 0 || !strings.HasPrefix(out, "ok:") {
		t.Errorf("uciknockd close 2001:db8::7: exit %d, %q %q", code, out, errOut)
	}
	e.waitDoor("KnockSSH_2001:db8::7_22", false, 5*time.Second)

	// The forward again, left to its six-second timeout (long enough that
	// on a loaded machine it is still open when status is checked above).
	e.knockClient("-u", "-d", "20", router4.String(), "1111", "2222", "3333")
	e.waitDoor("KnockWeb_192.0.2.7_8080", true, 5*time.Second)
	e.waitDoor("KnockWeb_192.0.2.7_8080", false, 12*time.Second)

	if st := e.status(); len(st) != 0 {
		t.Errorf("status after every close: %v", st)
	}
	checkLifecycleEnd(t, e, d, reloads0)
	d.stop()
}

// checkLifecycleStatus checks `status --json` with the three doors open.
func checkLifecycleStatus(t *testing.T, st map[string]statusEntry) {
	t.Helper()
	if len(st) != 3 {
		t.Errorf("status lists %d doors, want 3: %v", len(st), st)
	}
	if g := st["KnockSSH_2001:db8::7_22"]; g.Type != "rule" || g.Source != "2001:db8::7" || g.Port != 22 || g.Left < 50 || g.Expired {
		t.Errorf("status of the IPv6 door: %+v", g)
	}
	if g := st["KnockWeb_192.0.2.7_8080"]; g.Type != "redirect" || g.Source != "192.0.2.7" || g.Port != 8080 ||
		g.DestIP != "192.168.1.10" || g.DestPort != 80 {
		t.Errorf("status of the forward: %+v", g)
	}
}

// checkLifecycleEnd: with every door closed, the firewall config is the
// stock one again, the changes were reloaded, and the log tells each
// open and close with its rule, source, sequence and reason.
func checkLifecycleEnd(t *testing.T, e *e2eEnv, d *daemonProc, reloads0 int) {
	t.Helper()
	_, data := e.readFirewall()
	if !bytes.HasPrefix(data, e.stock) || strings.TrimSpace(string(data[len(e.stock):])) != "" {
		t.Errorf("the stock firewall config changed:\n%s", data)
	}
	// The reload and the log line follow the write the test waited for:
	// wait for them too (looking once raced the daemon on a busy machine).
	if n := e.waitReloads(reloads0+3, 5*time.Second) - reloads0; n < 3 {
		t.Errorf("%d firewall reloads for 8 door changes, want at least 3", n)
	}
	for _, want := range [][]string{
		{"rule=KnockSSH_192.0.2.7_22", "src=192.0.2.7", "sequence=knock.ssh_open"},
		{"rule=KnockWeb_192.0.2.7_8080", "timeout"},
		{"rule=KnockSSH_2001:db8::7_22", "close"},
	} {
		if !d.waitLog(5*time.Second, want...) {
			t.Errorf("no log line with %q within 5s", want)
		}
	}
}

// restartSequences: a door with a short timeout and one with a long one.
const restartSequences = `
config sequence 'short'
	option name 'Short'
	option sequence '7001:udp 7002:udp'
	option action 'open'
	option dest_port '22'
	option timeout '2'

config sequence 'long'
	option name 'Long'
	option sequence '7011:udp 7012:udp'
	option action 'open'
	option dest_port '443'
	option timeout '1h'
`

// TestE2ERestartRemovesExpiredDoors: doors that expired while the
// daemon was dead (SIGKILL) are removed by `uciknockd purge` offline and
// by the next start; a live door survives both, SIGTERM leaves it, and
// `uciknockd close` without a daemon removes it from the file.
func TestE2ERestartRemovesExpiredDoors(t *testing.T) {
	testenv.RequireRoot(t)
	t.Parallel()
	e := newEnv(t, false)
	e.writeConfig("", restartSequences)
	d := e.startDaemon()
	short4, short6 := "Short_192.0.2.20_22", "Short_2001:db8::21_22"
	long := "Long_192.0.2.22_443"
	for _, k := range []struct {
		src   string
		ports []uint16
	}{{"192.0.2.20", []uint16{7001, 7002}}, {"2001:db8::21", []uint16{7001, 7002}}, {"192.0.2.22", []uint16{7011, 7012}}} {
		if err := e.net.knock(netip.MustParseAddr(k.src), 17, k.ports...); err != nil {
			t.Fatal(err)
		}
	}
	doors := e.waitDoors("the three doors", 5*time.Second, func(m map[string]*uci.Section) bool {
		return m[short4] != nil && m[short6] != nil && m[long] != nil
	})
	d.kill()
	expiry := expiresOf(t, doors[short4])
	if x := expiresOf(t, doors[short6]); x.After(expiry) {
		expiry = x
	}
	time.Sleep(time.Until(expiry) + 200*time.Millisecond)

	checkOfflinePurge(t, e, []string{short4, short6}, long)

	// The restarted daemon removes them at once and keeps the live one.
	d = e.startDaemon()
	e.waitDoors("the expired doors to go", 3*time.Second, func(m map[string]*uci.Section) bool {
		return m[short4] == nil && m[short6] == nil
	})
	if !d.waitLog(2*time.Second, "expired while uciknock was not running", short4) {
		t.Errorf("no log line says why %s went", short4)
	}
	d.stop()
	p, _ := e.readFirewall()
	if got := doorSections(p); len(got) != 1 || got[long] == nil {
		t.Errorf("after restart and stop: doors %v, want only %s (SIGTERM leaves doors to their timeouts)", doorNames(got), long)
	}
	checkOfflineClose(t, e, "192.0.2.22")
}

// checkOfflinePurge: with no daemon running, `status` marks the expired
// doors and `uciknockd purge` (run on a copy of the file) removes them and
// keeps the live one.
func checkOfflinePurge(t *testing.T, e *e2eEnv, expired []string, live string) {
	t.Helper()
	st := e.status()
	for _, name := range expired {
		if !st[name].Expired {
			t.Errorf("status after the expiry: %s: %+v", name, st[name])
		}
	}
	if st[live].Expired || st[live].Left < 3000 {
		t.Errorf("status after the expiry: %s: %+v", live, st[live])
	}
	_, data := e.readFirewall()
	copyEnv := *e
	copyEnv.firewall = e.firewall + ".copy"
	if err := os.WriteFile(copyEnv.firewall, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := copyEnv.cli("", append([]string{"purge"}, copyEnv.pathFlags()...)...)
	if want := fmt.Sprintf("purged %d expired door(s)\n", len(expired)); code != 0 || out != want {
		t.Errorf("uciknockd purge: exit %d, %q %q; want %q", code, out, errOut, want)
	}
	p, _ := copyEnv.readFirewall()
	if got := doorSections(p); len(got) != 1 || got[live] == nil {
		t.Errorf("after purge: doors %v, want only %s", doorNames(got), live)
	}
	// Nothing left to purge: -q (the init script at boot) says nothing.
	for _, c := range []struct{ flag, want string }{{"-q", ""}, {"", "purged 0 expired door(s)\n"}} {
		args := append([]string{"purge"}, copyEnv.pathFlags()...)
		if c.flag != "" {
			args = append(args, c.flag)
		}
		if out, errOut, code := copyEnv.cli("", args...); code != 0 || out != c.want {
			t.Errorf("uciknockd %v again: exit %d, %q %q; want %q", args, code, out, errOut, c.want)
		}
	}
}

// checkOfflineClose: with no daemon, `uciknockd close IP` removes the
// source's (only) door from the file itself and reloads the firewall.
func checkOfflineClose(t *testing.T, e *e2eEnv, src string) {
	t.Helper()
	reloads := e.reloadCount()
	out, errOut, code := e.cli("", append(append([]string{"close", "--socket", e.socket}, e.pathFlags()...), src)...)
	if code != 0 || !strings.HasPrefix(out, "ok: removed 1 door(s)") {
		t.Errorf("offline uciknockd close: exit %d, %q %q", code, out, errOut)
	}
	if p, _ := e.readFirewall(); len(doorSections(p)) != 0 {
		t.Errorf("after the offline close: doors %v", doorNames(doorSections(p)))
	}
	if e.reloadCount() != reloads+1 {
		t.Errorf("offline close: %d firewall reloads, want 1", e.reloadCount()-reloads)
	}
}
