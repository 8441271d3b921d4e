//go:build linux

package netns

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// CommandTimeout bounds every external command (`ip ...`) this package
// runs; a hung command fails the test instead of hanging it.
const CommandTimeout = 10 * time.Second

// NS is a network namespace owned by one test. It is deleted, with every
// interface in it, when the test ends.
type NS struct {
	// Name is the namespace's name for `ip netns`: unique per process,
	// it starts with "uk-" and the name given to New.
	Name string

	t    testing.TB
	file *os.File // /run/netns/Name, held open for setns(2)
}

// New creates a fresh network namespace with loopback up. name is a short
// label (letters, digits, '-') that makes `ip netns list` readable; a
// random suffix keeps parallel tests and stale namespaces apart.
func New(t testing.TB, name string) *NS {
	t.Helper()
	var rnd [4]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		t.Fatalf("netns: random suffix: %v", err)
	}
	full := fmt.Sprintf("uk-%s-%d-%s", name, os.Getpid(), hex.EncodeToString(rnd[:]))
	if _, err := run("ip", "netns", "add", full); err != nil {
		t.Fatalf("netns: create %q: %v", full, err)
	}
	ns := &NS{Name: full, t: t}
	t.Cleanup(ns.delete)
	f, err := os.Open(filepath.Join("/run/netns", full))
	if err != nil {
		t.Fatalf("netns: open %q: %v", full, err)
	}
	ns.file = f
	ns.IP("link", "set", "lo", "up")
	return ns
}

func (ns *NS) delete() {
	if ns.file != nil {
		ns.file.Close()
	}
	if _, err := run("ip", "netns", "del", ns.Name); err != nil {
		ns.t.Errorf("netns: delete %q: %v", ns.Name, err)
	}
}

// Do runs fn with its OS thread inside the namespace and returns fn's
// error, or an error if the thread could not enter the namespace. fn must
// itself be bounded in time (use deadlines on what it opens). Sockets,
// tun devices and other kernel objects created by fn stay in the
// namespace after Do returns and may be used from any goroutine.
func (ns *NS) Do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		// Never unlocked: when this goroutine returns, the runtime
		// discards the thread, so it cannot leak into other work.
		runtime.LockOSThread()
		if err := unix.Setns(int(ns.file.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("netns: enter %s: %w", ns.Name, err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// IP runs `ip -n NAME args...` and returns its standard output; a failure
// fails the test with the command and its standard error.
func (ns *NS) IP(args ...string) string {
	ns.t.Helper()
	out, err := run("ip", append([]string{"-n", ns.Name}, args...)...)
	if err != nil {
		ns.t.Fatalf("netns %s: %v", ns.Name, err)
	}
	return out
}

// Exec runs a program inside the namespace (`ip netns exec`), bounded by
// CommandTimeout, and returns its combined output.
func (ns *NS) Exec(name string, args ...string) (string, error) {
	return run("ip", append([]string{"netns", "exec", ns.Name, name}, args...)...)
}

// Up sets an interface up.
func (ns *NS) Up(ifname string) {
	ns.t.Helper()
	ns.IP("link", "set", "dev", ifname, "up")
}

// AddAddr adds an address in CIDR form ("192.0.2.1/24", "2001:db8::1/64")
// to an interface. IPv6 addresses are added with nodad so they are usable
// at once, without waiting out duplicate address detection.
func (ns *NS) AddAddr(ifname, prefix string) {
	ns.t.Helper()
	p, err := netip.ParsePrefix(prefix)
	if err != nil {
		ns.t.Fatalf("netns %s: address %q: %v", ns.Name, prefix, err)
	}
	args := []string{"addr", "add", p.String(), "dev", ifname}
	if p.Addr().Is6() && !p.Addr().Is4In6() {
		args = append(args, "nodad")
	}
	ns.IP(args...)
}

// Index returns an interface's index inside the namespace.
func (ns *NS) Index(ifname string) int {
	ns.t.Helper()
	out := ns.IP("-o", "link", "show", "dev", ifname)
	i := strings.IndexByte(out, ':')
	if i < 0 {
		ns.t.Fatalf("netns %s: cannot parse `ip link show %s`: %q", ns.Name, ifname, out)
	}
	n, err := strconv.Atoi(strings.TrimSpace(out[:i]))
	if err != nil {
		ns.t.Fatalf("netns %s: cannot parse `ip link show %s`: %q", ns.Name, ifname, out)
	}
	return n
}

// Sysctl writes a value under /proc/sys inside the namespace; key uses
// dots or slashes ("net.ipv4.ip_forward").
func (ns *NS) Sysctl(key, value string) {
	ns.t.Helper()
	path := filepath.Join("/proc/sys", strings.ReplaceAll(key, ".", "/"))
	err := ns.Do(func() error { return os.WriteFile(path, []byte(value), 0o644) })
	if err != nil {
		ns.t.Fatalf("netns %s: sysctl %s=%s: %v", ns.Name, key, value, err)
	}
}

// Veth connects namespaces a and b with a veth pair named ifA (in a) and
// ifB (in b), both up. Interface names are at most 15 bytes.
func Veth(t testing.TB, a, b *NS, ifA, ifB string) {
	t.Helper()
	a.IP("link", "add", ifA, "type", "veth", "peer", "name", ifB, "netns", b.Name)
	a.Up(ifA)
	b.Up(ifB)
}

// run executes a command bounded by CommandTimeout.
func run(name string, args ...string) (string, error) { return Run(name, args...) }

// Run executes a command bounded by CommandTimeout and returns its
// standard output; the error holds the command line and standard error.
// The benchmark harness (internal/bench) uses it too.
func Run(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), CommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err,
			strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
