package main

import (
	"bytes"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/uciknock/uciknock/internal/daemonlog"
	"github.com/uciknock/uciknock/pkg/daemon"
	"github.com/uciknock/uciknock/pkg/door"
	"github.com/uciknock/uciknock/uci"
)

// TestCloseNotBehindRunningDaemon: when a daemon holds the instance lock
// but its control socket does not answer, `uciknockd close` fails and
// leaves the firewall config alone instead of editing it behind the
// daemon's back.
func TestCloseNotBehindRunningDaemon(t *testing.T) {
	dir := t.TempDir()
	d, err := door.Door{Kind: door.Rule, Prefix: "KnockSSH", Src: netip.MustParseAddr("192.0.2.7"), Port: 22,
		Expires: time.Now().Add(time.Hour)}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	text := uci.RenderSection(door.Section(d, door.TimeLimit{}))
	fw := filepath.Join(dir, "firewall")
	if err := os.WriteFile(fw, text, 0o644); err != nil {
		t.Fatal(err)
	}
	socket := filepath.Join(dir, "uciknockd.sock") // never listened on
	lock, err := daemon.LockInstance(socket)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"--firewall", fw, "--override-dir", "", "--root", dir, "--socket", socket, "192.0.2.7"}
	var out bytes.Buffer
	err = cmdClose(args, &out)
	if err == nil || !strings.Contains(err.Error(), "is running") {
		t.Errorf("close behind a running daemon: %v, %q", err, out.String())
	}
	if data, _ := os.ReadFile(fw); !bytes.Equal(data, text) {
		t.Errorf("firewall config edited behind the daemon:\n%s", data)
	}
	// Without the lock holder the same command closes the door itself.
	lock.Close()
	err = cmdClose(args, &out)
	if data, _ := os.ReadFile(fw); bytes.Contains(data, []byte("192.0.2.7")) {
		t.Errorf("no daemon: door not removed (%v):\n%s", err, data)
	}
}

func TestRunUsageAndVersion(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"version"}, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "uciknockd ") {
		t.Errorf("version: %d %q", code, out.String())
	}
	if code := run([]string{"frobnicate"}, &out, &errb); code != 2 {
		t.Errorf("unknown command exit %d, want 2", code)
	}
	if code := run([]string{"check", "a", "b"}, &out, &errb); code != 2 {
		t.Errorf("check with two files exit %d, want 2", code)
	}
}

// TestTopLevelHelpAndVersion: `uciknockd --help` lists the commands (not
// only run's flags) and `--version`/`-V` print the version, as `version` does.
func TestTopLevelHelpAndVersion(t *testing.T) {
	for _, arg := range []string{"--help", "-h", "-help", "help"} {
		var out, errb bytes.Buffer
		code := run([]string{arg}, &out, &errb)
		if code != 0 {
			t.Errorf("%s: exit %d, stderr %q", arg, code, errb.String())
		}
		for _, cmd := range []string{"check", "status", "close", "purge", "import", "version", "--log-level"} {
			if !strings.Contains(out.String(), cmd) {
				t.Errorf("%s: output lacks %q:\n%s", arg, cmd, out.String())
			}
		}
	}
	for _, arg := range []string{"--version", "-V", "-version", "version"} {
		var out, errb bytes.Buffer
		if code := run([]string{arg}, &out, &errb); code != 0 || out.String() != "uciknockd "+version+"\n" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", arg, code, out.String(), errb.String())
		}
	}
}

func TestCheckReportsEveryError(t *testing.T) {
	p := filepath.Join(t.TempDir(), "knock")
	cfg := "config knockd 'main'\n\nbroken line\n"
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"check", p}, &out, &errb); code != 1 || !strings.Contains(errb.String(), p+":3:") {
		t.Errorf("syntax error: exit %d, stderr %q (want file:line)", code, errb.String())
	}
	cfg = "config sequence 'a'\n\toption sequence '70000'\n\toption dest_port '22'\n\nconfig sequence\n\toption name 'B'\n\toption action 'allow'\n"
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	errb.Reset()
	code := run([]string{"check", p}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "knock.a.sequence") || !strings.Contains(errb.String(), "knock.@sequence[1].action") {
		t.Errorf("validation errors: exit %d, stderr %q", code, errb.String())
	}
}

func TestParseArgsInterspersed(t *testing.T) {
	for _, tt := range []struct {
		args     []string
		operands []string
		socket   string
	}{
		{[]string{"192.0.2.7"}, []string{"192.0.2.7"}, "d"},
		{[]string{"--socket", "s", "192.0.2.7"}, []string{"192.0.2.7"}, "s"},
		{[]string{"192.0.2.7", "--socket", "s"}, []string{"192.0.2.7"}, "s"},
		{[]string{"a", "-socket=s", "b"}, []string{"a", "b"}, "s"},
		{[]string{"--", "-x", "--socket"}, []string{"-x", "--socket"}, "d"},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		socket := fs.String("socket", "d", "")
		got, err := parseArgs(fs, tt.args)
		if err != nil || strings.Join(got, "|") != strings.Join(tt.operands, "|") || *socket != tt.socket {
			t.Errorf("parseArgs(%q) = %q, socket %q, %v; want %q, %q", tt.args, got, *socket, err, tt.operands, tt.socket)
		}
	}
}

// TestLevelOnReload: knock.main.log_level applies on a reload unless
// --log-level was given (the command line wins, as at start).
func TestLevelOnReload(t *testing.T) {
	var buf bytes.Buffer
	log, level, err := daemonlog.Open(&buf, "info", daemonlog.JSON)
	if err != nil {
		t.Fatal(err)
	}
	if levelOnReload(log, level, "error") != nil {
		t.Error("--log-level error: the config's level would still apply on reload")
	}
	apply := levelOnReload(log, level, "")
	if apply == nil {
		t.Fatal("no --log-level: the config's level does not apply on reload")
	}
	apply("debug")
	log.Debug().Msg("shown")
	if !strings.Contains(buf.String(), `"message":"shown"`) {
		t.Errorf("log_level debug not applied:\n%s", buf.String())
	}
}

// TestUCIMovedOut: the uci(1) clone is cmd/uci, not a command of the
// router binary; `uciknockd uci` says where it went, and --help does not
// offer it.
func TestUCIMovedOut(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"uci", "show", "firewall"}, &out, &errb); code != 2 || out.Len() != 0 ||
		!strings.Contains(errb.String(), "use OpenWrt's uci, or build/uci") {
		t.Errorf("uciknockd uci: exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
	out.Reset()
	run([]string{"--help"}, &out, &errb)
	if strings.Contains(out.String(), "uci ") {
		t.Errorf("--help still lists uci:\n%s", out.String())
	}
}

// TestWriteTable: writeTable writes what text/tabwriter (which it
// replaces in `status`) wrote for the same cells.
func TestWriteTable(t *testing.T) {
	tables := [][][]string{
		{{"NAME", "TYPE", "SOURCE", "PORT", "LEFT", "KERNEL", "SECTION"}},
		{
			{"NAME", "TYPE", "SOURCE", "PORT", "LEFT", "KERNEL", "SECTION"},
			{"KnockSSH_192.0.2.7_22", "rule", "192.0.2.7", "22", "59m58s", "live", "uciknock_1765090000_0a1b2c3d"},
			{"KnockWeb_2001:db8::1_443", "redirect", "2001:db8::1", "443", "never", "-", "cfg0a92bd (edited)"},
			{"Knöck_198.51.100.1_80", "rule", "198.51.100.1", "8080", "expired", "-", ""},
		},
	}
	for _, rows := range tables {
		var want, got bytes.Buffer
		tw := tabwriter.NewWriter(&want, 0, 0, 2, ' ', 0)
		for _, r := range rows {
			fmt.Fprintln(tw, strings.Join(r, "\t"))
		}
		if err := tw.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := writeTable(&got, rows); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("writeTable:\n%s\ntabwriter:\n%s", got.String(), want.String())
		}
	}
}
