//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/netns"
	"github.com/uciknock/uciknock/internal/testenv"
	"github.com/uciknock/uciknock/pkg/door"
	"github.com/uciknock/uciknock/uci"
)

// The router namespace runs uciknockd on routerIf; the client namespace
// knocks from clientIf. Documentation addresses only, no default route.
const (
	routerIf = "ukr0"
	clientIf = "ukc0"
)

var (
	router4 = netip.MustParseAddr("192.0.2.1")
	router6 = netip.MustParseAddr("2001:db8::1")
	client4 = netip.MustParseAddr("192.0.2.7")
	client6 = netip.MustParseAddr("2001:db8::7")
)

// e2eNet is a router and a client namespace joined by a veth pair, with
// an injector in the client that writes hand-made knocks (any source
// address: uciknockd only sniffs, it never answers).
type e2eNet struct {
	router, client *netns.NS
	inj            *netns.Injector
}

func newE2ENet(t *testing.T) *e2eNet {
	t.Helper()
	r, c := netns.New(t, "ukd-r"), netns.New(t, "ukd-c")
	netns.Veth(t, r, c, routerIf, clientIf)
	r.AddAddr(routerIf, router4.String()+"/24")
	r.AddAddr(routerIf, router6.String()+"/64")
	c.AddAddr(clientIf, client4.String()+"/24")
	c.AddAddr(clientIf, client6.String()+"/64")
	return &e2eNet{router: r, client: c, inj: c.Injector(clientIf, r.MAC(routerIf))}
}

// tcpSYN is the TCP flag byte of a SYN.
const tcpSYN = 0x02

// knock injects one packet per port from src to the router, in order,
// TCP SYNs or UDP datagrams (proto netns.ProtoTCP or ProtoUDP).
func (n *e2eNet) knock(src netip.Addr, proto uint8, ports ...uint16) error {
	dst := router4
	if src.Is6() {
		dst = router6
	}
	for i, port := range ports {
		p := netns.Packet{Src: src, Dst: dst, Proto: proto, SrcPort: 40000 + uint16(i), DstPort: port, TCPFlags: tcpSYN}
		if err := n.send(p.Marshal()); err != nil {
			return fmt.Errorf("knock %v → %d: %w", src, port, err)
		}
	}
	return nil
}

// send writes one packet, retrying briefly while the device queue is full.
func (n *e2eNet) send(pkt []byte) error {
	for try := 0; ; try++ {
		err := n.inj.Send(pkt)
		if !errors.Is(err, syscall.ENOBUFS) || try == 100 {
			return err
		}
		time.Sleep(time.Millisecond)
	}
}

// e2eEnv is one daemon's world: a temporary root with the stock OpenWrt
// firewall config, a knock config, a reload script that counts reloads,
// and the network.
type e2eEnv struct {
	t                    *testing.T
	daemonBin, clientBin string
	dir                  string // the temporary root (--root)
	config, firewall     string // etc/config/knock, etc/config/firewall
	socket, reloads      string // control socket; one line per firewall reload
	stock                []byte // the firewall config as shipped
	net                  *e2eNet
	ifaces               []string // knock.main.interface; default routerIf
	overrideDir          string   // --override-dir; "" disables
	daemonWrap           []string // command the daemon runs under, e.g. nice
}

// newEnv prepares the files and, unless offline, the namespaces.
func newEnv(t *testing.T, offline bool) *e2eEnv {
	t.Helper()
	daemonBin, clientBin := binaries(t)
	stock, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(t), "scripts", "demo", "firewall"))
	if err != nil {
		t.Fatalf("stock firewall config: %v", err)
	}
	dir := t.TempDir()
	e := &e2eEnv{t: t, daemonBin: daemonBin, clientBin: clientBin, dir: dir,
		config: filepath.Join(dir, "etc", "config", "knock"), firewall: filepath.Join(dir, "etc", "config", "firewall"),
		socket: filepath.Join(dir, "uciknockd.sock"), reloads: filepath.Join(dir, "reloads"), stock: stock}
	for _, d := range []string{filepath.Dir(e.config), filepath.Join(dir, "state")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	script := "#!/bin/sh\n# stands in for fw4 reload: counts the reloads\necho reload >>'" + e.reloads + "'\n"
	if err := os.WriteFile(filepath.Join(dir, "reload.sh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.firewall, stock, 0o644); err != nil {
		t.Fatal(err)
	}
	if !offline {
		e.net = newE2ENet(t)
	}
	return e
}

// writeConfig writes /etc/config/knock: the global section (capture on
// e.ifaces or routerIf, the counting reload script, extra global
// options) and the given sequence sections.
func (e *e2eEnv) writeConfig(global, sequences string) {
	e.t.Helper()
	ifaces := e.ifaces
	if len(ifaces) == 0 {
		ifaces = []string{routerIf}
	}
	var lists strings.Builder
	for _, ifc := range ifaces {
		fmt.Fprintf(&lists, "\tlist interface '%s'\n", ifc)
	}
	text := fmt.Sprintf("config knockd 'main'\n\toption enabled '1'\n%s"+
		"\toption reload_command '%s'\n\toption state_dir '%s'\n%s\n%s",
		lists.String(), filepath.Join(e.dir, "reload.sh"), filepath.Join(e.dir, "state"), global, sequences)
	if err := os.WriteFile(e.config, []byte(text), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

// pathFlags are the flags that point a subcommand at the env's files.
func (e *e2eEnv) pathFlags() []string {
	return []string{"--config", e.config, "--firewall", e.firewall, "--override-dir", e.overrideDir, "--root", e.dir}
}

// cli runs `uciknockd args...` (outside the namespaces) and returns its
// output and exit status.
func (e *e2eEnv) cli(stdin string, args ...string) (stdout, stderr string, code int) {
	e.t.Helper()
	return e.runBin(e.daemonBin, stdin, args...)
}

// uci runs `uci args...` (cmd/uci, the clone: this machine has no uci)
// and returns its output and exit status.
func (e *e2eEnv) uci(stdin string, args ...string) (stdout, stderr string, code int) {
	e.t.Helper()
	return e.runBin(uciBinary(e.t), stdin, args...)
}

func (e *e2eEnv) runBin(bin, stdin string, args ...string) (stdout, stderr string, code int) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var o, s bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &s
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		e.t.Fatalf("%s %s: %v", filepath.Base(bin), strings.Join(args, " "), err)
	}
	return o.String(), s.String(), code
}

// knockClient runs the uciknock client in the client namespace.
func (e *e2eEnv) knockClient(args ...string) {
	e.t.Helper()
	if out, err := e.net.client.Exec(e.clientBin, args...); err != nil {
		e.t.Fatalf("uciknock %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// readFirewall parses the firewall config strictly, as libuci would;
// a file that does not parse fails the test.
func (e *e2eEnv) readFirewall() (*uci.Package, []byte) {
	e.t.Helper()
	data, err := os.ReadFile(e.firewall)
	if err != nil {
		e.t.Fatal(err)
	}
	p, err := uci.Parse("firewall", data)
	if err != nil {
		e.t.Fatalf("firewall config does not parse: %v\n%s", err, data)
	}
	return p, data
}

// doorSections returns our door sections by their rule name.
func doorSections(p *uci.Package) map[string]*uci.Section {
	out := map[string]*uci.Section{}
	for _, s := range p.Sections {
		if _, ok := door.Owned(s); ok {
			out[optionValue(s, "name")] = s
		}
	}
	return out
}

func optionValue(s *uci.Section, name string) string {
	if o := s.Get(name); o != nil && len(o.Values) == 1 {
		return o.Values[0]
	}
	return ""
}

// waitDoors polls the firewall config until cond holds on its doors.
func (e *e2eEnv) waitDoors(what string, timeout time.Duration, cond func(map[string]*uci.Section) bool) map[string]*uci.Section {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		p, _ := e.readFirewall()
		doors := doorSections(p)
		if cond(doors) {
			return doors
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out after %v waiting for %s; doors now: %v", timeout, what, doorNames(doors))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (e *e2eEnv) waitDoor(name string, present bool, timeout time.Duration) *uci.Section {
	e.t.Helper()
	what := name + " to open"
	if !present {
		what = name + " to close"
	}
	return e.waitDoors(what, timeout, func(d map[string]*uci.Section) bool { return (d[name] != nil) == present })[name]
}

func doorNames(doors map[string]*uci.Section) []string {
	var names []string
	for n := range doors {
		names = append(names, n)
	}
	return names
}

// reloadCount is how many times the daemon reloaded the firewall.
func (e *e2eEnv) reloadCount() int {
	data, err := os.ReadFile(e.reloads)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return strings.Count(string(data), "\n")
}

// waitReloads waits until the daemon has reloaded the firewall at least
// atLeast times in all and returns the count. A reload follows the write
// that tests wait for, so a count read right after seeing the file change
// races the daemon; this waits with a deadline instead.
func (e *e2eEnv) waitReloads(atLeast int, timeout time.Duration) int {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		n := e.reloadCount()
		if n >= atLeast || time.Now().After(deadline) {
			return n
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// expiresOf reads the expiry a door section records in its id (zero:
// never).
func expiresOf(t *testing.T, s *uci.Section) time.Time {
	t.Helper()
	exp, ok := door.Owned(s)
	if !ok {
		t.Fatalf("section %s is not a uciknock door", s.Name)
	}
	return exp
}
