//go:build linux

package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/netns"
	"github.com/uciknock/uciknock/internal/testenv"
)

// fw4Rig is a router running the real firewall4 ruleset (stock config,
// wan on routerIf, lan on lanIf with one host) and the package's
// nftables.d includes, with /sbin/fw4 under the daemon's --root standing
// in for the router's: it renders the daemon's firewall config with the
// real fw4 into the router namespace, but only while the gate file
// exists, so a test can knock and connect before any reload has run.
type fw4Rig struct {
	*e2eEnv
	lan             *netns.NS
	confdir, gate   string
	overlay, netdmp string
	done            string // one line per finished reload
	sandbox, bin    string // the OpenWrt sandbox and its bin/
}

const (
	lanIf   = "ukl0"
	lanHost = "ukh0"
)

func newFW4Rig(t *testing.T) *fw4Rig { return newFW4RigExtra(t, 0) }

// newFW4RigExtra is newFW4Rig with extra user rules in the firewall.
func newFW4RigExtra(t *testing.T, extra int) *fw4Rig {
	t.Helper()
	sandbox := testenv.OpenWrtDir(t)
	e := newEnv(t, false)
	r := &fw4Rig{e2eEnv: e, sandbox: sandbox, bin: filepath.Join(sandbox, "bin"), confdir: filepath.Join(e.dir, "fw4conf"),
		gate: filepath.Join(e.dir, "gate"), overlay: filepath.Join(e.dir, "overlay"),
		netdmp: filepath.Join(e.dir, "netdump.json"), done: filepath.Join(e.dir, "reloads-done")}
	stock, err := os.ReadFile(filepath.Join(sandbox, "share", "config", "firewall"))
	if err != nil {
		t.Fatal(err)
	}
	network, err := os.ReadFile(filepath.Join(sandbox, "share", "config", "network"))
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(e.firewall, append(stock, extraRules(extra)...), 0o644))
	must(os.MkdirAll(r.confdir, 0o755))
	must(os.WriteFile(filepath.Join(r.confdir, "network"), network, 0o644))
	must(os.MkdirAll(filepath.Join(r.overlay, "usr", "share"), 0o755))
	if out, err := exec.Command("cp", "-r", filepath.Join(testenv.ModuleRoot(t), "files", "usr", "share", "nftables.d"),
		filepath.Join(r.overlay, "usr", "share")).CombinedOutput(); err != nil {
		t.Fatalf("overlay: %v %s", err, out)
	}
	iface := func(name, dev, v4, v6 string) string {
		a4, a6 := "[]", "[]"
		if v4 != "" {
			a4 = fmt.Sprintf(`[{"address":%q,"mask":24}]`, v4)
		}
		if v6 != "" {
			a6 = fmt.Sprintf(`[{"address":%q,"mask":64}]`, v6)
		}
		return fmt.Sprintf(`{"interface":%q,"up":true,"pending":false,"available":true,"autostart":true,"dynamic":false,`+
			`"proto":"static","device":%q,"l3_device":%q,"ipv4-address":%s,"ipv6-address":%s,"ipv6-prefix":[],`+
			`"ipv6-prefix-assignment":[],"route":[],"dns-server":[],"dns-search":[],"neighbors":[],"inactive":{},"data":{}}`,
			name, dev, dev, a4, a6)
	}
	dump := `{"interface":[` + iface("lan", lanIf, "192.168.1.1", "") + "," +
		iface("wan", routerIf, router4.String(), "") + "," + iface("wan6", routerIf, "", router6.String()) + "]}"
	must(os.WriteFile(r.netdmp, []byte(dump), 0o644))
	env := fmt.Sprintf("FW_OVERLAY='%s' FW_NETDUMP='%s'", r.overlay, r.netdmp)
	script := fmt.Sprintf(`#!/bin/sh
# /sbin/fw4 of the test router: the real fw4 through the sandbox.
cp '%[1]s' '%[2]s/firewall' || exit 1
case "$1" in
reload)
	i=0
	while [ ! -e '%[3]s' ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done
	%[4]s '%[5]s/owrt-fw4-apply' '%[6]s' '%[2]s' || exit 1
	echo done >>'%[7]s' ;;
check) exec env %[4]s '%[5]s/owrt-fw4' check '%[2]s' ;;
*) echo "fw4 stub: $1 not supported" >&2; exit 1 ;;
esac
`, e.firewall, r.confdir, r.gate, env, r.bin, e.net.router.Name, r.done)
	must(os.MkdirAll(filepath.Join(e.dir, "sbin"), 0o755))
	must(os.WriteFile(filepath.Join(e.dir, "sbin", "fw4"), []byte(script), 0o755))

	// The LAN host for forward doors, routed back through the router.
	r.lan = netns.New(t, "ukd-l")
	netns.Veth(t, e.net.router, r.lan, lanIf, lanHost)
	e.net.router.AddAddr(lanIf, "192.168.1.1/24")
	r.lan.AddAddr(lanHost, "192.168.1.10/24")
	r.lan.IP("route", "add", "192.0.2.0/24", "via", "192.168.1.1")
	e.net.router.Sysctl("net.ipv4.ip_forward", "1")
	r.open()
	r.reloadByOthers() // the firewall is up before the daemon starts
	// … and says so as fw4 does (fw4 start writes its state file); without
	// it the daemon waits for the firewall and never reloads.
	must(os.MkdirAll(filepath.Join(e.dir, "var", "run"), 0o755))
	must(os.WriteFile(filepath.Join(e.dir, "var", "run", "fw4.state"), nil, 0o644))
	return r
}

func (r *fw4Rig) open()  { os.WriteFile(r.gate, nil, 0o644) }
func (r *fw4Rig) close() { os.Remove(r.gate) }

// reloadByOthers is a reload run by someone else (hotplug, LuCI).
func (r *fw4Rig) reloadByOthers() {
	r.t.Helper()
	if err := exec.Command("cp", r.firewall, filepath.Join(r.confdir, "firewall")).Run(); err != nil {
		r.t.Fatal(err)
	}
	env := []string{"FW_OVERLAY=" + r.overlay, "FW_NETDUMP=" + r.netdmp}
	if _, errOut, err := testenv.Owrt(r.sandbox, env, "owrt-fw4-apply", r.net.router.Name, r.confdir); err != nil {
		r.t.Fatalf("%v\n%s", err, errOut)
	}
}

// shutAfterStartupReload waits for the reload d makes at start (a ucode
// render, then an nft -f holding the nf_tables commit mutex), then shuts
// the gate.
func (r *fw4Rig) shutAfterStartupReload(d *daemonProc) {
	r.t.Helper()
	if !r.waitReloadsAbove(0) {
		r.t.Fatalf("the daemon's start-up reload did not finish; log:\n%s", d.log())
	}
	r.close()
}

// waitReloadsAbove waits up to 30 s for more than n reloads to have
// finished and reports whether they did.
func (r *fw4Rig) waitReloadsAbove(n int) bool {
	deadline := time.Now().Add(30 * time.Second)
	for r.reloadsDone() <= n && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	return r.reloadsDone() > n
}

func (r *fw4Rig) reloadsDone() int {
	data, _ := os.ReadFile(r.done)
	return strings.Count(string(data), "\n")
}

// listen accepts TCP connections on addr inside ns until the test ends.
func listen(t *testing.T, ns *netns.NS, addr string) {
	t.Helper()
	var l net.Listener
	if err := ns.Do(func() (err error) { l, err = net.Listen("tcp", addr); return }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
}

// connect makes one TCP connection attempt from the client namespace:
// nil when accepted, an error when refused (fw4 rejects with a reset).
func (r *fw4Rig) connect(addr string) error {
	return r.net.client.Do(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			c.Close()
		}
		return err
	})
}

// connectSoon is connect, repeated while refused for up to 200 ms: the
// last knock and the SYN race through the capture ring on a loaded CI
// machine. The reload gate stays shut meanwhile, so success still means
// the door was live before any reload ran (make bench measures the time).
func (r *fw4Rig) connectSoon(addr string) error {
	deadline := time.Now().Add(200 * time.Millisecond)
	for {
		err := r.connect(addr)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(5 * time.Millisecond)
	}
}

const fastSequences = `
config sequence 'ssh_open'
	option name 'KnockSSH'
	option sequence '7000 8000 9000'
	option seq_timeout '5'
	option action 'open'
	option dest_port '22'
	option timeout '%d'

config sequence 'ssh_close'
	option name 'KnockSSH'
	option sequence '9000 8000 7000'
	option seq_timeout '5'
	option action 'close'
	option dest_port '22'

config sequence 'fwd'
	option name 'KnockFwd'
	option sequence '1111 2222 3333'
	option seq_timeout '5'
	option action 'forward'
	option src_dport '2222'
	option dest_ip '192.168.1.10'
	option dest_port '22'
	option timeout '600'
`

// startFastPath starts the daemon and waits for it to say its fast path
// is on (want: the start of that log line).
func (r *fw4Rig) startFastPath(want string) *daemonProc {
	r.t.Helper()
	d := r.startDaemon()
	if !d.waitLog(5*time.Second, want) {
		r.t.Fatalf("no fast path at start; log:\n%s", d.log())
	}
	return d
}

// writeFW4Config writes the knock config without reload_command, so the
// daemon finds /sbin/fw4 under --root and uses the fast path.
func (r *fw4Rig) writeFW4Config(timeout int) {
	text := fmt.Sprintf("config knockd 'main'\n\toption enabled '1'\n\tlist interface '%s'\n\toption state_dir '%s'\n",
		routerIf, filepath.Join(r.dir, "state")) + fmt.Sprintf(fastSequences, timeout)
	if err := os.WriteFile(r.config, []byte(text), 0o600); err != nil {
		r.t.Fatal(err)
	}
}

func TestE2EInstantDoorsRealFW4(t *testing.T) {
	testenv.RequireRoot(t)
	r := newFW4Rig(t)
	r.writeFW4Config(600)
	listen(t, r.net.router, "[::]:22") // dual-stack: IPv4 too
	listen(t, r.lan, "192.168.1.10:22")
	ssh4, ssh6 := "192.0.2.1:22", "[2001:db8::1]:22"
	fwd4 := "192.0.2.1:2222"
	for _, a := range []string{ssh4, ssh6, fwd4} {
		if err := r.connect(a); err == nil {
			t.Fatalf("%s reachable before any knock: the stock firewall should refuse it", a)
		}
	}
	d := r.startFastPath("fast path on (zones wan)")
	// The start-up reload must not finish after `before` is read below and
	// look like a reload that ran before the connects.
	r.shutAfterStartupReload(d) // from now on no reload finishes until the gate opens

	// Knock, then connect at once: before any reload has run.
	before := r.reloadsDone()
	r.knockClient("-d", "1", router4.String(), "7000", "8000", "9000")
	if err := r.connectSoon(ssh4); err != nil {
		t.Fatalf("IPv4 connect right after the knock: %v", err)
	}
	r.knockClient("-6", "-d", "1", router6.String(), "7000", "8000", "9000")
	if err := r.connectSoon(ssh6); err != nil {
		t.Fatalf("IPv6 connect right after the knock: %v", err)
	}
	r.knockClient("-d", "1", router4.String(), "1111", "2222", "3333")
	if err := r.connectSoon(fwd4); err != nil {
		t.Fatalf("forward connect right after the knock: %v", err)
	}
	if n := r.reloadsDone(); n != before {
		t.Fatalf("%d reloads finished before the connects: not a fast-path result", n-before)
	}

	// status reads the kernel: all three live, before any reload.
	r.waitDoor("KnockFwd_192.0.2.7_2222", true, 10*time.Second)
	out, err := r.net.router.Exec(r.daemonBin, append([]string{"status", "--json"}, r.pathFlags()...)...)
	if err != nil {
		t.Fatalf("status: %v\n%s", err, out)
	}
	if n := strings.Count(out, `"live_in_kernel": true`); n != 3 {
		t.Fatalf("status --json: %d doors live in the kernel, want 3:\n%s", n, out)
	}
	out, _ = r.net.router.Exec(r.daemonBin, append([]string{"status"}, r.pathFlags()...)...)
	if !strings.HasPrefix(out, "fast path: on (zones wan)") || strings.Count(out, " live ") != 3 {
		t.Fatalf("status:\n%s", out)
	}

	// Let the reloads run: the doors are in the config and stay live.
	r.open()
	r.waitDoor("KnockFwd_192.0.2.7_2222", true, 10*time.Second)
	r.waitReloadsAbove(before)
	// A reload by someone else loses nothing.
	r.reloadByOthers()
	for _, a := range []string{ssh4, ssh6, fwd4} {
		if err := r.connect(a); err != nil {
			t.Fatalf("%s after a reload by someone else: %v", a, err)
		}
	}

	// Table re-created (fw4 restart): the daemon puts every door back.
	mark := d.mark()
	r.net.router.Exec("nft", "delete", "table", "inet", "fw4")
	r.reloadByOthers()
	if !d.waitLogAfter(mark, 5*time.Second, "doors put back into the kernel", "live=3") {
		t.Fatalf("no resync after the table was re-created; log:\n%s", d.log())
	}
	out, _ = r.net.router.Exec("nft", "list", "set", "inet", "fw4", "uciknock_wan_in4")
	if !strings.Contains(out, "192.0.2.7 . tcp . 22") {
		t.Fatalf("element not back after re-creation:\n%s", out)
	}

	// Close: the next SYN is refused, before the reload that removes
	// the section (whose fw4 rule still accepts it) has run.
	r.close()
	closedAt := r.reloadsDone()
	r.knockClient("-d", "1", router4.String(), "9000", "8000", "7000")
	deadline := time.Now().Add(200 * time.Millisecond)
	for r.connect(ssh4) == nil && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if r.connect(ssh4) == nil {
		t.Fatal("IPv4 door still accepts a SYN right after the close sequence")
	}
	if r.reloadsDone() != closedAt {
		t.Fatal("a reload finished before the refused SYN: not a fast-path result")
	}
	if err := r.connect(ssh6); err != nil {
		t.Fatalf("the IPv6 door was closed too: %v", err)
	}
	r.open()
	r.waitDoor("KnockSSH_192.0.2.7_22", false, 10*time.Second)
	d.stop()
}

func TestE2EInstantDoorExpiry(t *testing.T) {
	testenv.RequireRoot(t)
	r := newFW4Rig(t)
	r.writeFW4Config(2)
	listen(t, r.net.router, "0.0.0.0:22")
	d := r.startFastPath("fast path on")
	r.close()
	r.knockClient("-d", "1", router4.String(), "7000", "8000", "9000")
	if err := r.connectSoon("192.0.2.1:22"); err != nil {
		t.Fatalf("connect right after the knock: %v", err)
	}
	// The kernel timeout closes it even with no reload at all.
	time.Sleep(2100 * time.Millisecond)
	if err := r.connect("192.0.2.1:22"); err == nil {
		t.Fatal("door still open after its timeout")
	}
	r.open()
	d.stop()
}

// TestE2ENoFastPathSaidOnce: with a custom reload_command there is no
// fast path; the daemon says so once at start and status says so too,
// and doors work through the config as before.
func TestE2ENoFastPathSaidOnce(t *testing.T) {
	testenv.RequireRoot(t)
	t.Parallel()
	e := newEnv(t, false)
	e.writeConfig("", lifecycleSequences)
	d := e.startDaemon()
	if !d.waitLog(5*time.Second, "fast path off: custom reload_command") {
		t.Fatalf("no fast-path notice; log:\n%s", d.log())
	}
	e.knockClient("-d", "20", router4.String(), "7000", "8000", "9000")
	e.waitDoor("KnockSSH_192.0.2.7_22", true, 5*time.Second)
	out, _, code := e.cli("", append([]string{"status"}, e.pathFlags()...)...)
	if code != 0 || !strings.HasPrefix(out, "fast path: off: custom") || strings.Contains(out, " live ") {
		t.Fatalf("status (exit %d):\n%s", code, out)
	}
	if n := strings.Count(d.log(), "fast path off"); n != 1 {
		t.Fatalf("fast-path notice %d times", n)
	}
	d.stop()
}

// TestE2EOfflineCloseLeavesKernel: `uciknockd close` without a daemon
// takes the door out of the kernel fast path too, not only out of the
// config.
func TestE2EOfflineCloseLeavesKernel(t *testing.T) {
	testenv.RequireRoot(t)
	r := newFW4Rig(t)
	r.writeFW4Config(600)
	listen(t, r.net.router, "0.0.0.0:22")
	d := r.startFastPath("fast path on")
	r.knockClient("-d", "1", router4.String(), "7000", "8000", "9000")
	if err := r.connectSoon("192.0.2.1:22"); err != nil {
		t.Fatalf("connect after the knock: %v", err)
	}
	r.waitDoor("KnockSSH_192.0.2.7_22", true, 10*time.Second)
	d.stop() // doors stay open until their timeouts
	out, err := r.net.router.Exec(r.daemonBin, append([]string{"close", "--socket", r.socket, "192.0.2.7"}, r.pathFlags()...)...)
	if err != nil || !strings.Contains(out, "removed 1 door(s) from the kernel fast path") {
		t.Fatalf("offline close: %v\n%s", err, out)
	}
	set, _ := r.net.router.Exec("nft", "list", "set", "inet", "fw4", "uciknock_wan_in4")
	if strings.Contains(set, "192.0.2.7") {
		t.Fatalf("element still in the kernel after an offline close:\n%s", set)
	}
	if err := r.connect("192.0.2.1:22"); err == nil {
		t.Fatal("door still open after an offline close")
	}
}
