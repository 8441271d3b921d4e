//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// hupSettle is how long a test waits to be sure no second HUP follows:
// procd coalesces reload triggers for PROCD_RELOAD_DELAY (1 s).
const hupSettle = 2500 * time.Millisecond

// TestProcdService walks the service's life under real procd: enable and
// disable, a boot with the service disabled in UCI (purge at notice, no
// instance), enabling it with reload_config, the firewall coming up
// later, log_level on reload, one HUP per config change and per
// interface event, respawn after kill -9 with the doors still tracked, a
// broken config refused by reload (old daemon kept) and by start, stop.
// Every daemon line must reach syslog at its own priority.
func TestProcdService(t *testing.T) {
	conf, expired, live := procdConfig(t)
	b := newProcdBox(t, "knock15svc", conf, "--enable", "knock")

	// enable / disable: rc.d links (S18 for boot before the firewall, K10
	// for a clean stop at shutdown).
	links := `ls -l /etc/rc.d/ | grep -c -e 'S18knock -> ../init.d/knock' -e 'K10knock -> ../init.d/knock'`
	if out := b.mustSh(links); strings.TrimSpace(out) != "2" {
		t.Fatalf("after enable: %s", out)
	}
	b.mustSh("/etc/init.d/knock disable")
	if out, _ := b.sh(links); strings.TrimSpace(out) != "0" {
		t.Fatalf("after disable: %s", out)
	}
	b.mustSh("/etc/init.d/knock enable")
	if out := b.mustSh(links); strings.TrimSpace(out) != "2" {
		t.Fatalf("after enable again: %s", out)
	}

	// Booted with knock.main.enabled=0: registered, no instance; the
	// boot purge ran and said so at notice.
	if reg, pid := b.knockService(); !reg || pid != 0 {
		t.Fatalf("disabled boot: registered %v, pid %d; want registered without an instance", reg, pid)
	}
	if !b.logged("notice", "knock", 0, "purged 1 expired door(s)") {
		t.Errorf("no notice line for the boot purge:\n%s", b.messages())
	}
	fw := b.mustSh("uci show firewall")
	if strings.Contains(fw, expired) || !strings.Contains(fw, live) {
		t.Fatalf("after the boot purge, want %s gone and %s kept:\n%s", expired, live, fw)
	}
	if strings.Contains(b.processes(), "uciknockd") {
		t.Fatalf("disabled boot runs uciknockd:\n%s", b.processes())
	}

	// Enabled in UCI + reload_config (the first run only records the
	// checksums, as on a router after boot).
	b.mustSh("reload_config")
	b.mustSh("uci set knock.main.enabled=1; uci commit knock; reload_config")
	var pid int
	b.waitFor("the daemon runs after enabled=1 and reload_config", 10*time.Second, func() bool {
		_, pid = b.knockService()
		return pid != 0 && b.logged("info", "uciknockd", pid, "started ")
	})
	// The firewall is not up yet: one INFO line, no error, no retry.
	b.waitFor("the firewall wait is logged", 10*time.Second, func() bool {
		return b.logged("info", "uciknockd", pid, "firewall not loaded yet;")
	})
	if n := b.hups(); n != 0 {
		t.Errorf("a freshly started daemon got %d HUP(s)", n)
	}
	if out := b.mustSh("uciknockd status"); !strings.Contains(out, live) {
		t.Errorf("uciknockd status does not list %s:\n%s", live, out)
	}

	// log_level on reload: one HUP, and debug lines from then on.
	b.mustSh("uci set knock.main.log_level=debug; uci commit knock; reload_config")
	b.waitFor("one HUP for the log_level change", 10*time.Second, func() bool { return b.hups() == 1 })
	b.waitFor("log level changed", 2*time.Second, func() bool {
		return b.logged("info", "uciknockd", pid, "log level changed option=knock.main.log_level value=debug")
	})

	// The firewall starts (S19 on a router): the owed reload runs.
	b.mustSh("fw4 start")
	b.waitFor("the owed reload after fw4 start", 10*time.Second, func() bool {
		return b.logged("debug", "uciknockd", pid, "firewall started; doors applied")
	})
	if strings.Count(b.messages(), "firewall not loaded yet") != 1 {
		t.Errorf("the firewall wait is logged more than once:\n%s", b.messages())
	}

	// A config change: exactly one HUP; an option only read at start
	// warns at warning priority.
	b.mustSh("uci set knock.main.batch_window=500ms; uci commit knock; reload_config")
	b.waitFor("one HUP for the config change", 10*time.Second, func() bool { return b.hups() == 2 })
	time.Sleep(hupSettle)
	if n := b.hups(); n != 2 {
		t.Errorf("config change: %d HUPs, want exactly 1", n-1)
	}
	if !b.logged("warn", "uciknockd", pid, "changed; takes effect at the next restart") {
		t.Errorf("no warning line for batch_window:\n%s", b.messages())
	}

	// An interface event: exactly one HUP.
	b.mustSh(`ubus call service event '{"type":"interface.update","data":{"interface":"lo"}}'`)
	b.waitFor("one HUP for the interface event", 10*time.Second, func() bool { return b.hups() == 3 })
	time.Sleep(hupSettle)
	if n := b.hups(); n != 3 {
		t.Errorf("interface event: %d HUPs, want exactly 1", n-2)
	}

	// kill -9: procd respawns it (respawn timeout 5 s); the new daemon
	// adopts the live door.
	b.mustSh("kill -9 " + strconv.Itoa(pid))
	old := pid
	b.waitFor("respawn after kill -9", 15*time.Second, func() bool {
		_, pid = b.knockService()
		return pid != 0 && pid != old && b.logged("info", "uciknockd", pid, "started ")
	})
	b.waitFor("the respawned daemon tracks the live door", 10*time.Second, func() bool {
		out, code := b.sh("uciknockd status")
		return code == 0 && strings.Contains(out, live)
	})

	checkProcdBrokenConfig(t, b, pid)

	// Every line the daemon wrote is at its own priority: none at err in
	// this run, and info, warn and debug were all seen above. The live
	// door was adopted as written, not rewritten.
	for _, m := range daemonLine.FindAllStringSubmatch(b.messages(), -1) {
		if m[1] == "err" {
			t.Errorf("daemon error line in a run without errors: %s", m[0])
		}
		if strings.HasPrefix(m[3], "restored ") {
			t.Errorf("the adopted door was rewritten: %s", m[0])
		}
	}

	b.mustSh("/etc/init.d/knock disable")
	if out, _ := b.sh(links); strings.TrimSpace(out) != "0" {
		t.Fatalf("after disable: %s", out)
	}
}

// checkProcdBrokenConfig: reload with a broken config is refused with the
// UCI path on the console and at daemon.err, and the daemon keeps
// running; after stop no process is left, and start refuses too; fixed,
// start works again, and stop ends it.
func checkProcdBrokenConfig(t *testing.T, b *procdBox, pid int) {
	t.Helper()
	hups := b.hups()
	b.mustSh("uci set knock.ssh_open.seq_timeout=soon; uci commit knock")
	out, code := b.sh("/etc/init.d/knock reload")
	if code == 0 || !strings.Contains(out, "knock.ssh_open.seq_timeout:") || !strings.Contains(out, "not reloaded") {
		t.Errorf("reload with a broken config: exit %d\n%s", code, out)
	}
	b.mustSh("reload_config") // the trigger path: refused the same way
	if out, code := b.sh("/etc/init.d/knock restart"); code == 0 || !strings.Contains(out, "not restarted") {
		t.Errorf("restart with a broken config: exit %d\n%s", code, out)
	}
	time.Sleep(hupSettle)
	if _, now := b.knockService(); now != pid {
		t.Fatalf("broken config + reload: daemon %d, want %d still running", now, pid)
	}
	if n := b.hups(); n != hups {
		t.Errorf("broken config: %d HUP(s) sent to the daemon", n-hups)
	}
	if !b.logged("err", "knock", 0, "\tknock.ssh_open.seq_timeout: ") || !b.logged("err", "knock", 0, "not reloaded;") {
		t.Errorf("the refused reload is not logged at err:\n%s", b.messages())
	}

	b.mustSh("/etc/init.d/knock stop")
	b.waitFor("no process after stop", 10*time.Second, func() bool {
		_, now := b.knockService()
		return now == 0 && !strings.Contains(b.processes(), "uciknockd")
	})
	out, code = b.sh("/etc/init.d/knock start")
	if code == 0 || !strings.Contains(out, "knock.ssh_open.seq_timeout:") || !strings.Contains(out, "not started") {
		t.Errorf("start with a broken config: exit %d\n%s", code, out)
	}
	time.Sleep(time.Second)
	if _, now := b.knockService(); now != 0 || strings.Contains(b.processes(), "uciknockd") {
		t.Fatalf("start with a broken config started the daemon (pid %d)", now)
	}
	if !b.logged("err", "knock", 0, "not started;") {
		t.Errorf("the refused start is not logged at err:\n%s", b.messages())
	}

	// Fixed: reload_config starts it (the refused start left the service
	// and its triggers registered); stop ends it.
	b.mustSh("uci set knock.ssh_open.seq_timeout=5; uci commit knock; reload_config")
	b.waitFor("the daemon runs again once the config is fixed", 10*time.Second, func() bool {
		_, now := b.knockService()
		return now != 0
	})
	b.mustSh("/etc/init.d/knock stop")
	b.waitFor("no process after the last stop", 10*time.Second, func() bool {
		return !strings.Contains(b.processes(), "uciknockd")
	})
}

// TestProcdBootBeforeFirewall is a router's boot with the service
// enabled: S18knock runs before the firewall (S19). Nothing expired, so
// the purge says nothing; the firewall that is not loaded yet is one INFO
// line, with no warning or error; when fw4 starts, the owed reload runs
// and the live door goes into the fast path.
func TestProcdBootBeforeFirewall(t *testing.T) {
	conf, expired, _ := procdConfig(t)
	knock := filepath.Join(conf, "knock")
	data, err := os.ReadFile(knock)
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(strings.Replace(string(data), "option enabled '0'", "option enabled '1'", 1),
		"option log_level 'info'", "option log_level 'debug'", 1)
	if err := os.WriteFile(knock, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	// Drop the expired door: a boot with nothing to purge.
	fw := filepath.Join(conf, "firewall")
	data, err = os.ReadFile(fw)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(data), "\nconfig rule 'uciknock_")
	if i < 0 || !strings.Contains(string(data[i:]), expired) {
		t.Fatal("procdConfig's first door is not the expired one")
	}
	j := strings.Index(string(data[i+1:]), "\nconfig ")
	if err := os.WriteFile(fw, append(data[:i:i], data[i+1+j:]...), 0o644); err != nil {
		t.Fatal(err)
	}

	b := newProcdBox(t, "knock15boot", conf, "--enable", "knock")
	var pid int
	b.waitFor("the daemon runs after boot", 10*time.Second, func() bool {
		_, pid = b.knockService()
		return pid != 0 && b.logged("info", "uciknockd", pid, "firewall not loaded yet;")
	})
	if strings.Contains(b.messages(), "purged") {
		t.Errorf("the boot purge logged with nothing to purge:\n%s", b.messages())
	}
	b.mustSh("fw4 start")
	b.waitFor("the owed reload after fw4 start", 10*time.Second, func() bool {
		return b.logged("debug", "uciknockd", pid, "firewall started; doors applied")
	})
	// With the package's nftables includes, fw4's table brings the fast
	// path's sets, and the live door goes into them.
	b.waitFor("the live door in the fast path", 10*time.Second, func() bool {
		return b.logged("info", "uciknockd", pid, "fast path: fw4 table or sets re-created; doors put back into the kernel live=1")
	})
	time.Sleep(time.Second) // a retry would come 1 s after the first failure
	msgs := b.messages()
	if strings.Count(msgs, "firewall not loaded yet") != 1 || strings.Contains(msgs, "reload-failed") {
		t.Errorf("the firewall wait logged more than one line:\n%s", msgs)
	}
	for _, m := range daemonLine.FindAllStringSubmatch(msgs, -1) {
		if m[1] == "err" || m[1] == "warn" {
			t.Errorf("%s line at boot: %s", m[1], m[0])
		}
	}
}
