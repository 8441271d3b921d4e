package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/netns"
	"github.com/uciknock/uciknock/pkg/door"
	"github.com/uciknock/uciknock/uci"
)

// Where things live in TestLuCIDoors. LuCI (uhttpd, rpcd) runs chrooted in
// the host's network namespace on 127.0.0.1; the rpcd plugin runs
// `uciknockd status/close` there, so it reads the instance's
// /etc/config/firewall and dials its /var/run/uciknockd.sock. The daemon
// runs on the host inside the router namespace with its files pointed into
// the instance's rootfs: the same firewall file and, a path-named Unix
// socket being reachable from any network namespace, the same control
// socket. Knocks go from a client namespace to the router namespace over a
// veth pair (documentation addresses only, no default route), and the
// daemon's firewall reloads render the instance's config with the real fw4
// and load it into the router namespace's kernel (owrt-fw4-apply).
const (
	doorsRouterIf = "ukr14"
	doorsClientIf = "ukc14"
	doorsRouter   = "192.0.2.1"
	doorsClient   = "192.0.2.7"
)

func doorsKnock(dir string) string {
	return fmt.Sprintf(`config knockd 'main'
	option enabled '1'
	list interface '%s'
	option reload_command '%s'
	option state_dir '%s'
	option batch_window '50'

config sequence 'ssh_open'
	option name 'KnockSSH'
	option sequence '7000 8000 9000'
	option tcpflags 'syn'
	option dest_port '22'
	option timeout '600'

config sequence 'web_open'
	option name 'KnockWeb'
	option sequence '7100 7200 7300'
	option tcpflags 'syn'
	option dest_port '443'
	option timeout '600'

config sequence 'nas_fwd'
	option name 'KnockNAS'
	option sequence '7400 7500 7600'
	option tcpflags 'syn'
	option action 'forward'
	option src_dport '2222'
	option dest_ip '192.168.1.10'
	option dest_port '22'
	option timeout '120'
`, doorsRouterIf, filepath.Join(dir, "reload.sh"), filepath.Join(dir, "state"))
}

// TestLuCIDoors: a real knock opens a door that the Open doors page shows
// with its time left; Close removes it from the table, the firewall file
// and the kernel; "Close all from" does the same for every door of a
// source, a forward (redirect) among them.
func TestLuCIDoors(t *testing.T) {
	bin := sandbox(t)
	in := startLuCI(t, bin, "-", true)

	r, c := netns.New(t, "l14r"), netns.New(t, "l14c")
	netns.Veth(t, r, c, doorsRouterIf, doorsClientIf)
	r.AddAddr(doorsRouterIf, doorsRouter+"/24")
	c.AddAddr(doorsClientIf, doorsClient+"/24")

	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "state"), 0o755); err != nil {
		t.Fatal(err)
	}
	reload := fmt.Sprintf("#!/bin/sh\n# the router's firewall reload: real fw4 renders the instance's config into the router namespace\nexec '%s' '%s' '%s'\n",
		filepath.Join(bin, "owrt-fw4-apply"), r.Name, filepath.Join(in.root, "etc", "config"))
	if err := os.WriteFile(filepath.Join(dir, "reload.sh"), []byte(reload), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(in.root, "etc", "config", "knock"), []byte(doorsKnock(dir)), 0o600); err != nil {
		t.Fatal(err)
	}
	firewall := filepath.Join(in.root, "etc", "config", "firewall")
	startDaemon(t, r, in, dir)

	b := newBrowser(t)
	b.login(in)
	b.open(in, "admin/services/uciknock/doors", "#knock-doors-box")
	b.waitFor("the daemon shown running", `(document.querySelector('#knock-running')||{}).innerText == 'running'`, 10*time.Second)
	if !b.visible("#knock-no-doors") {
		t.Errorf("no door open yet, but the page does not say so: %q", b.text("#knock-doors-box"))
	}

	// A knock from the client opens KnockSSH_192.0.2.7_22.
	const ssh = "KnockSSH_" + doorsClient + "_22"
	knock(t, c, "7000", "8000", "9000")
	row := fmt.Sprintf(`tr.knock-door[data-name=%q]`, ssh)
	b.waitFor("the door in the table", fmt.Sprintf(`!!document.querySelector(%q)`, row), 15*time.Second)
	left := b.text(row + " .knock-left")
	if m := regexp.MustCompile(`^(\d+)m (\d+)s$`).FindStringSubmatch(left); m == nil || atoi(m[1])*60+atoi(m[2]) > 600 || atoi(m[1]) < 9 {
		t.Errorf("time left %q, want about 10m (timeout 600 s)", left)
	}
	if got := b.text(row); !strings.Contains(got, doorsClient) || !strings.Contains(got, "tcp 22") || !strings.Contains(got, "ssh_open") || !strings.Contains(got, "open port (rule)") {
		t.Errorf("door row %q lacks source, port, sequence or kind", got)
	}
	waitKernel(t, r, ssh, true)
	b.shot("doors")

	b.click(row + " .knock-close")
	b.waitFor("the door gone from the table", fmt.Sprintf(`!document.querySelector(%q)`, row), 15*time.Second)
	if names := doorNames(t, firewall); len(names) != 0 {
		t.Errorf("doors left in /etc/config/firewall after Close: %v", names)
	}
	waitKernel(t, r, ssh, false)

	// Three doors of one source, one a forward; "Close all from" closes
	// every one.
	const web, nas = "KnockWeb_" + doorsClient + "_443", "KnockNAS_" + doorsClient + "_2222"
	knock(t, c, "7000", "8000", "9000")
	knock(t, c, "7100", "7200", "7300")
	knock(t, c, "7400", "7500", "7600")
	b.waitFor("three doors in the table", `document.querySelectorAll('tr.knock-door').length == 3`, 15*time.Second)
	if got := b.text(fmt.Sprintf(`tr.knock-door[data-name=%q]`, nas)); !strings.Contains(got, "forward (redirect)") || !strings.Contains(got, "tcp 2222 → 192.168.1.10:22") || !strings.Contains(got, "nas_fwd") {
		t.Errorf("forward row %q lacks kind, ports or sequence", got)
	}
	waitKernel(t, r, web, true)
	waitKernel(t, r, nas, true)
	b.shot("doors-two")
	b.click(fmt.Sprintf(`tr.knock-door[data-name=%q] .knock-close-source`, web))
	b.waitFor("the table empty", `!!document.querySelector('#knock-no-doors')`, 15*time.Second)
	if names := doorNames(t, firewall); len(names) != 0 {
		t.Errorf("doors left in /etc/config/firewall after Close all: %v", names)
	}
	waitKernel(t, r, ssh, false)
	waitKernel(t, r, web, false)
	waitKernel(t, r, nas, false)
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// startDaemon runs the real uciknockd in the router namespace on the
// instance's files; it is stopped (TERM) when the test ends.
func startDaemon(t *testing.T, r *netns.NS, in *instance, dir string) {
	t.Helper()
	socket := filepath.Join(in.root, "var", "run", "uciknockd.sock")
	logf, err := os.Create(filepath.Join(dir, "uciknockd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ip", "netns", "exec", r.Name, bins.daemon, "run",
		"--config", filepath.Join(in.root, "etc", "config", "knock"),
		"--firewall", filepath.Join(in.root, "etc", "config", "firewall"),
		"--override-dir", filepath.Join(in.root, "var", "run", "uci"),
		"--socket", socket, "--root", in.root, "--log-level", "debug")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		logf.Close()
		if t.Failed() {
			data, _ := os.ReadFile(logf.Name())
			t.Logf("uciknockd log:\n%s", data)
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := os.Stat(socket); err == nil {
			return
		}
		select {
		case err := <-done:
			data, _ := os.ReadFile(logf.Name())
			t.Fatalf("uciknockd exited: %v\n%s", err, data)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("uciknockd did not open its control socket in 15 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// knock runs the real uciknock client in the client namespace.
func knock(t *testing.T, c *netns.NS, ports ...string) {
	t.Helper()
	if out, err := c.Exec(bins.client, append([]string{doorsRouter}, ports...)...); err != nil {
		t.Fatalf("uciknock %s %v: %v\n%s", doorsRouter, ports, err, out)
	}
}

// doorNames lists the doors (our sections) in a firewall config, which
// must parse as libuci would.
func doorNames(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := uci.Parse("firewall", data)
	if err != nil {
		t.Fatalf("%s does not parse: %v", path, err)
	}
	var names []string
	for _, s := range p.Sections {
		if _, ok := door.Owned(s); ok {
			if o := s.Get("name"); o != nil && len(o.Values) == 1 {
				names = append(names, o.Values[0])
			}
		}
	}
	return names
}

// waitKernel waits until the router namespace's nftables ruleset has (or
// no longer has) fw4's rule for the door (its comment is the rule name).
func waitKernel(t *testing.T, r *netns.NS, name string, present bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		out, err := exec.CommandContext(ctx, "ip", "netns", "exec", r.Name, "nft", "list", "ruleset").CombinedOutput()
		cancel()
		has := strings.Contains(string(out), `"!fw4: `+name+`"`)
		if err == nil && has == present {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("kernel: rule %s present=%v, want %v after 30 s (nft: %v)\n%s", name, has, present, err, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
