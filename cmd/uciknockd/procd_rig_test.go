//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/testenv"
	"github.com/uciknock/uciknock/pkg/door"
)

// The service under real procd (the OpenWrt sandbox's owrt-procd): the
// shipped init script, the shipped sample config (enabled on lo) and the
// daemon binary, with real rc.common, procd.sh, ubusd, reload_config and
// busybox syslogd writing /tmp/log/messages. The sandbox has fw4 but no
// firewall service: the daemon boots with the firewall not loaded, as on
// a router before S19, and the test starts fw4 by hand.

// procdBox is one owrt-procd instance.
type procdBox struct {
	t    *testing.T
	bin  string // owrt-procd
	name string
	root string // its rootfs on the host
}

// newProcdBox boots an instance named name with the init script and the
// daemon installed and /etc/config from confDir.
func newProcdBox(t *testing.T, name, confDir string, extra ...string) *procdBox {
	t.Helper()
	testenv.RequireRoot(t)
	sandbox := testenv.OpenWrtDir(t) // runs its setup.sh
	daemon, _ := binaries(t)
	// One instance per test process: a second `make test` beside this one
	// (or another worktree's) boots its own procd instead of taking ours
	// down (owrt-procd up replaces an instance of the same name).
	name = fmt.Sprintf("%s-%d", name, os.Getpid())
	b := &procdBox{t: t, bin: filepath.Join(sandbox, "bin", "owrt-procd"), name: name}
	script := filepath.Join(testenv.ModuleRoot(t), "files", "etc", "init.d", "knock")
	args := []string{"up", confDir, "--name", name,
		"--file", daemon + ":/usr/sbin/uciknockd", "--file", script + ":/etc/init.d/knock"}
	// The package's nftables includes (the fast path's sets), as the feed
	// installs them.
	nftd := filepath.Join(testenv.ModuleRoot(t), "files", "usr", "share", "nftables.d")
	err := filepath.WalkDir(nftd, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, err := filepath.Rel(nftd, path)
		args = append(args, "--file", path+":/usr/share/nftables.d/"+filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		t.Fatalf("the package's nftables includes: %v", err)
	}
	// A router whose RTC set the clock at boot: its time can be trusted,
	// so the boot purge removes only doors that did expire (issue 10
	// removes every timed door when the clock is only sysfixtime's guess;
	// the sandbox's /sys is empty and its clock not NTP-synchronised).
	rtc := filepath.Join(t.TempDir(), "hctosys")
	if err := os.WriteFile(rtc, []byte("1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args = append(args, "--file", rtc+":/sys/class/rtc/rtc0/hctosys")
	args = append(args, extra...)
	out, err := exec.Command(b.bin, args...).Output()
	if err != nil {
		log, _ := exec.Command(b.bin, "log", "--name", name).CombinedOutput()
		t.Fatalf("owrt-procd up: %v\n%s\n%s", err, out, log)
	}
	t.Cleanup(func() {
		if t.Failed() {
			log, _ := exec.Command(b.bin, "log", "--name", name).CombinedOutput()
			t.Logf("owrt-procd log:\n%s", log)
		}
		exec.Command(b.bin, "down", "--name", name, "--kill").Run()
	})
	b.root = strings.TrimSpace(string(out))
	if i := strings.LastIndexByte(b.root, '\n'); i >= 0 {
		b.root = b.root[i+1:]
	}
	return b
}

// sh runs a shell script inside the instance: its output (stdout and
// stderr) and exit status.
func (b *procdBox) sh(script string) (string, int) {
	b.t.Helper()
	out, err := exec.Command(b.bin, "exec", "--name", b.name, "sh", "-c", script).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	} else if err != nil {
		b.t.Fatalf("owrt-procd exec %q: %v", script, err)
	}
	return string(out), 0
}

// mustSh is sh that fails the test on a non-zero exit.
func (b *procdBox) mustSh(script string) string {
	b.t.Helper()
	out, code := b.sh(script)
	if code != 0 {
		b.t.Fatalf("%q: exit %d\n%s", script, code, out)
	}
	return out
}

func (b *procdBox) messages() string {
	data, _ := os.ReadFile(filepath.Join(b.root, "tmp", "log", "messages"))
	return string(data)
}

// knockService is procd's view of the knock service: whether it is
// registered and the pid of its running instance (0: none).
func (b *procdBox) knockService() (registered bool, pid int) {
	b.t.Helper()
	out := b.mustSh(`ubus call service list '{"name":"knock"}'`)
	var list map[string]struct {
		Instances map[string]struct {
			Running bool `json:"running"`
			PID     int  `json:"pid"`
		} `json:"instances"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		b.t.Fatalf("service list: %v\n%s", err, out)
	}
	svc, ok := list["knock"]
	if !ok {
		return false, 0
	}
	for _, in := range svc.Instances {
		if in.Running {
			return true, in.PID
		}
	}
	return true, 0
}

// processes returns the command names of the instance's processes.
func (b *procdBox) processes() string {
	// A process may end between the glob and cat: not an error.
	return b.mustSh(`cat /proc/[0-9]*/comm 2>/dev/null; exit 0`)
}

func (b *procdBox) waitFor(what string, timeout time.Duration, cond func() bool) {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			b.t.Fatalf("after %v: %s\n%s", timeout, what, b.messages())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// daemonLine matches a syslog line of the daemon: priority, pid, text.
var daemonLine = regexp.MustCompile(`(?m) daemon\.(\w+) uciknockd\[(\d+)\]: (.*)$`)

// hups counts the daemon's answers to SIGHUP (one line per HUP).
func (b *procdBox) hups() int {
	n := 0
	for _, m := range daemonLine.FindAllStringSubmatch(b.messages(), -1) {
		for _, p := range []string{"configuration unchanged", "configuration reloaded", "reload failed"} {
			if strings.HasPrefix(m[3], p) {
				n++
			}
		}
	}
	return n
}

// logged reports whether the syslog file has a line at prio from tag
// (uciknockd[pid] when pid > 0) whose text starts with text.
func (b *procdBox) logged(prio, tag string, pid int, text string) bool {
	if pid > 0 {
		tag = fmt.Sprintf("%s[%d]", tag, pid)
	}
	return strings.Contains(b.messages(), " daemon."+prio+" "+tag+": "+text)
}

// procdDoor is a door section as the daemon writes it (door.Section),
// with expiry exp, so that the daemon adopts it without rewriting it.
func procdDoor(t *testing.T, prefix, src string, port uint16, exp time.Time) (name, text string) {
	t.Helper()
	d, err := door.Door{Kind: door.Rule, Prefix: prefix, Src: netip.MustParseAddr(src), Port: port, Expires: exp}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	// The sandbox has no /etc/TZ: stop_date in UTC.
	sec := door.Section(d, door.TimeLimit{Local: func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05") }})
	var b strings.Builder
	fmt.Fprintf(&b, "\nconfig %s '%s'\n", sec.Type, sec.Name)
	for _, o := range sec.Options {
		for _, v := range o.Values {
			fmt.Fprintf(&b, "\toption %s '%s'\n", o.Name, v)
		}
	}
	return d.FwName(), b.String()
}

// procdConfig writes /etc/config for the instance: the shipped sample
// knock config (disabled, as shipped) watching lo, the stock firewall
// with one expired and one live door, the stock network.
func procdConfig(t *testing.T) (dir, expired, live string) {
	t.Helper()
	root := testenv.ModuleRoot(t)
	stock := filepath.Join(testenv.OpenWrtDir(t), "share", "config")
	dir = t.TempDir()
	knock, err := os.ReadFile(filepath.Join(root, "files", "etc", "config", "knock"))
	if err != nil {
		t.Fatal(err)
	}
	conf := strings.Replace(string(knock), "list interface 'wan'", "list interface 'lo'", 1)
	if conf == string(knock) || !strings.Contains(conf, "option enabled '0'") {
		t.Fatal("the shipped knock config changed: adapt the procd test")
	}
	fw, err := os.ReadFile(filepath.Join(stock, "firewall"))
	if err != nil {
		t.Fatal(err)
	}
	expired, oldDoor := procdDoor(t, "KnockSSH", "192.0.2.70", 22, time.Now().Add(-time.Hour))
	live, liveDoor := procdDoor(t, "KnockSSH", "192.0.2.71", 22, time.Now().Add(2*time.Hour))
	network, err := os.ReadFile(filepath.Join(stock, "network"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"knock": conf, "firewall": string(fw) + oldDoor + liveDoor, "network": string(network)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, expired, live
}
