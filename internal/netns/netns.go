//go:build linux

package netns

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
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

// NS is a network namespace. One made by New belongs to a test and is
// deleted, with every interface in it, when the test ends; one made by
// Create (the error-returning core, for programs such as knockbench) is
// deleted by Delete. The test helpers (IP, Up, AddAddr, Index, Sysctl,
// Injector, MAC) fail the test on error and need an NS from New; the
// rest return errors.
type NS struct {
	// Name is the namespace's name for `ip netns`.
	Name string

	t    testing.TB // nil for an NS from Create
	file *os.File   // /run/netns/Name, held open for setns(2)
}

// Unique returns a namespace name unique to this process: "uk-", label
// (letters, digits, '-', to make `ip netns list` readable), the process
// id and a random suffix that keeps parallel tests and stale namespaces
// apart.
func Unique(label string) (string, error) {
	var rnd [4]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", fmt.Errorf("netns: random suffix: %w", err)
	}
	return fmt.Sprintf("uk-%s-%d-%s", label, os.Getpid(), hex.EncodeToString(rnd[:])), nil
}

// Create creates the network namespace name with its loopback up. On
// error nothing is left behind.
func Create(name string) (*NS, error) {
	if _, err := run("ip", "netns", "add", name); err != nil {
		return nil, fmt.Errorf("netns: create %q: %w", name, err)
	}
	ns := &NS{Name: name}
	f, err := os.Open(filepath.Join("/run/netns", name))
	if err != nil {
		_ = ns.Delete()
		return nil, fmt.Errorf("netns: open %q: %w", name, err)
	}
	ns.file = f
	if _, err := ns.RunIP("link", "set", "lo", "up"); err != nil {
		_ = ns.Delete()
		return nil, err
	}
	return ns, nil
}

// Delete deletes the namespace; one already gone is not an error.
func (ns *NS) Delete() error {
	if ns.file != nil {
		ns.file.Close()
		ns.file = nil
	}
	if _, err := os.Stat(filepath.Join("/run/netns", ns.Name)); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if _, err := run("ip", "netns", "del", ns.Name); err != nil {
		return fmt.Errorf("netns: delete %q: %w", ns.Name, err)
	}
	return nil
}

// New creates a fresh network namespace for the test (Create with a
// Unique name from label), deleted when the test ends.
func New(t testing.TB, label string) *NS {
	t.Helper()
	name, err := Unique(label)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := Create(name)
	if err != nil {
		t.Fatal(err)
	}
	ns.t = t
	t.Cleanup(func() {
		if err := ns.Delete(); err != nil {
			t.Error(err)
		}
	})
	return ns
}

// RunIP runs `ip -n NAME args...` and returns its standard output.
func (ns *NS) RunIP(args ...string) (string, error) {
	out, err := run("ip", append([]string{"-n", ns.Name}, args...)...)
	if err != nil {
		return out, fmt.Errorf("netns %s: %w", ns.Name, err)
	}
	return out, nil
}

// Batch runs `ip -n NAME -batch -` with one command per line: hundreds of
// addresses without hundreds of processes.
func (ns *NS) Batch(lines []string) error {
	_, err := runIn(strings.NewReader(strings.Join(lines, "\n")+"\n"), "ip", "-n", ns.Name, "-batch", "-")
	return err
}

// Do runs fn with its OS thread inside the namespace and returns fn's
// error, or an error if the thread could not enter the namespace. fn must
// itself be bounded in time (use deadlines on what it opens). Sockets,
// tun devices and other kernel objects created by fn stay in the
// namespace after Do returns and may be used from any goroutine.
func (ns *NS) Do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		if err := ns.enterThread(); err != nil {
			errc <- err
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// enterThread locks the calling goroutine to its thread and moves the
// thread into ns. The thread is never unlocked: when the goroutine
// returns, the runtime discards it, so it cannot carry the namespace into
// other work.
func (ns *NS) enterThread() error {
	runtime.LockOSThread()
	if err := unix.Setns(int(ns.file.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("netns: enter %s: %w", ns.Name, err)
	}
	return nil
}

// IP is RunIP for tests: a failure fails the test with the command and
// its standard error.
func (ns *NS) IP(args ...string) string {
	ns.t.Helper()
	out, err := ns.RunIP(args...)
	if err != nil {
		ns.t.Fatal(err)
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
// The benchmark (cmd/knockbench) uses it too.
func Run(name string, args ...string) (string, error) { return runIn(nil, name, args...) }

// runIn is Run with stdin as the command's standard input (nil: none).
func runIn(stdin io.Reader, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), CommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err,
			strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
