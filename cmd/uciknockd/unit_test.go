package main

import (
	"bytes"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/pkg/door"
	"github.com/uciknock/uciknock/pkg/knock"
	"github.com/uciknock/uciknock/uci"
)

func TestStateFileName(t *testing.T) {
	for in, want := range map[string]string{
		"knock.ssh_open":      "ssh_open",
		"knock.@sequence[2]":  "sequence_2",
		"knock.@sequence[-1]": "sequence_1",
	} {
		if got := stateFileName(in); got != want {
			t.Errorf("stateFileName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDoorFor(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	src := netip.MustParseAddr("192.0.2.7")
	open := &config.Sequence{Name: "KnockSSH", Action: config.ActionOpen, Proto: config.ProtoTCP, Port: 22, SrcZone: "wan", Timeout: time.Minute}
	d := doorFor(open, src, now)
	if d.Kind != door.Rule || d.Name() != "KnockSSH_192.0.2.7_22" || !d.Expires.Equal(now.Add(time.Minute)) || d.DestIP.IsValid() {
		t.Errorf("open door = %+v", d)
	}
	fwd := &config.Sequence{Name: "KnockWeb", Action: config.ActionForward, Proto: config.ProtoTCPUDP, Port: 8080,
		SrcZone: "wan", DestZone: "lan", DestIP: netip.MustParseAddr("192.168.1.10"), DestPort: 80}
	d = doorFor(fwd, src, now)
	if d.Kind != door.Redirect || d.DestPort != 80 || d.DestZone != "lan" || d.Proto != "tcp udp" || !d.Expires.IsZero() {
		t.Errorf("forward door = %+v", d)
	}
	if _, err := d.Normalize(); err != nil {
		t.Errorf("forward door does not normalise: %v", err)
	}
}

func TestSourceOfUnmaps(t *testing.T) {
	if got := sourceOf(netip.MustParseAddr("::ffff:192.0.2.7")); got != netip.MustParseAddr("192.0.2.7") {
		t.Errorf("sourceOf = %v", got)
	}
}

func TestNewLogger(t *testing.T) {
	var buf bytes.Buffer
	log, err := newLogger(&buf, "info", "text")
	if err != nil {
		t.Fatal(err)
	}
	log.Debug().Msg("hidden")
	log.Info().Str("rule", "KnockSSH_192.0.2.7_22").Msg("open")
	if got := buf.String(); strings.Contains(got, "hidden") || !strings.Contains(got, "open rule=KnockSSH_192.0.2.7_22") || strings.Count(got, "\n") != 1 {
		t.Errorf("log output %q", got)
	}
	for _, bad := range [][2]string{{"loud", "text"}, {"", "text"}, {"info", "xml"}} {
		if _, err := newLogger(&buf, bad[0], bad[1]); err == nil {
			t.Errorf("newLogger(%q, %q) accepted", bad[0], bad[1])
		}
	}
}

func TestReadOneTimeFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "otp")
	if err := os.WriteFile(p, []byte("# used\n 7001,7002:udp\nbogus:xyz\n7003\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var warnings []string
	seqs, err := readOneTimeFile(p, func(s string) { warnings = append(warnings, s) })
	if err != nil {
		t.Fatal(err)
	}
	if len(seqs) != 2 || knock.FormatSteps(seqs[0]) != "7001:tcp,7002:udp" || knock.FormatSteps(seqs[1]) != "7003:tcp" {
		t.Errorf("sequences %v", seqs)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], p+":3:") {
		t.Errorf("warnings %q, want one naming line 3", warnings)
	}
	if _, err := readOneTimeFile(filepath.Join(dir, "missing"), func(string) {}); err == nil {
		t.Error("missing file accepted")
	}
}

// TestListDoorsAndRemove checks status and purge on a firewall config with
// a live door, an expired door, a user-edited door and a user's own rule
// that merely looks like ours.
func TestListDoorsAndRemove(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	mk := func(prefix, ip string, exp time.Time) *uci.Section {
		d, err := door.Door{Kind: door.Rule, Prefix: prefix, Src: netip.MustParseAddr(ip), Port: 22, Expires: exp}.Normalize()
		if err != nil {
			t.Fatal(err)
		}
		return door.Section(d, door.TimeLimit{})
	}
	var text []byte
	text = append(text, "config rule 'uciknock_lookalike'\n\toption name 'KnockSSH_192.0.2.9_22'\n\toption src_ip '192.0.2.9'\n"...)
	live := mk("KnockSSH", "192.0.2.7", now.Add(time.Hour))
	expired := mk("KnockSSH", "2001:db8::7", now.Add(-time.Minute))
	edited := mk("KnockWeb", "192.0.2.8", time.Time{})
	if err := edited.Set("enabled", "0"); err != nil {
		t.Fatal(err)
	}
	edited.Del("family")
	for _, s := range []*uci.Section{live, expired, edited} {
		text = append(text, uci.RenderSection(s)...)
	}
	pkg, err := uci.Parse("firewall", text)
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, text)
	}
	doors := listDoors(pkg, now)
	if len(doors) != 3 {
		t.Fatalf("listDoors: %d doors, want 3 (the look-alike is not ours): %+v", len(doors), doors)
	}
	byName := map[string]openDoor{}
	for _, d := range doors {
		byName[d.Name] = d
	}
	if d := byName["KnockSSH_192.0.2.7_22"]; d.Left != 3600 || d.Expired || !d.Enabled || d.Source != "192.0.2.7" {
		t.Errorf("live door %+v", d)
	}
	if d := byName["KnockSSH_2001:db8::7_22"]; !d.Expired || d.Left != 0 {
		t.Errorf("expired door %+v", d)
	}
	if d := byName["KnockWeb_192.0.2.8_22"]; d.Enabled || d.Left != -1 {
		t.Errorf("edited door %+v", d)
	}

	path := filepath.Join(t.TempDir(), "firewall")
	if err := os.WriteFile(path, text, 0o644); err != nil {
		t.Fatal(err)
	}
	n, err := removeDoors(&uci.File{Path: path, Package: "firewall"}, func(_ *uci.Section, exp time.Time) bool {
		return !exp.IsZero() && !exp.After(now)
	})
	if err != nil || n != 1 {
		t.Fatalf("purge removed %d (%v), want 1", n, err)
	}
	data, _ := os.ReadFile(path)
	if bytes.Contains(data, []byte("2001:db8::7")) || !bytes.Contains(data, []byte("uciknock_lookalike")) || !bytes.Contains(data, []byte("192.0.2.8")) {
		t.Errorf("after purge:\n%s", data)
	}
}

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
	lock, err := lockInstance(socket)
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

// TestBatchWindowZeroIsNoBatch: batch_window '0' reaches the keeper as
// NoBatch (a zero Batch would mean the keeper's 100ms default).
func TestBatchWindowZeroIsNoBatch(t *testing.T) {
	if got := batchFor(0); got != door.NoBatch {
		t.Errorf("batchFor(0) = %v, want door.NoBatch", got)
	}
	if got := batchFor(250 * time.Millisecond); got != 250*time.Millisecond {
		t.Errorf("batchFor(250ms) = %v", got)
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
		for _, cmd := range []string{"check", "status", "close", "purge", "import", "uci", "version", "--log-level"} {
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
