//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uciknock/uciknock/internal/testenv"
)

// TestE2ECheck runs `uciknockd check` on good and bad files: exit status
// 0, 1 (every error, each with its UCI path or file:line:col) or 2 (usage).
func TestE2ECheck(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	write := func(name, text string) string {
		path := filepath.Join(e.dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	e.writeConfig("", lifecycleSequences)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr []string
	}{
		{"good", []string{e.config}, 0,
			[]string{e.config + ": ok, 4 sequence(s), daemon enabled", "KnockSSH", "KnockWeb"}, nil},
		{"disabled", []string{write("disabled", "config knockd 'main'\n\toption enabled '0'\n")}, 0,
			[]string{"ok, 0 sequence(s), daemon disabled"}, nil},
		{"invalid", []string{write("invalid", "config sequence 'ssh'\n\toption sequence '7000 70000'\n\toption dest_port '22'\n\n"+
			"config sequence\n\toption name 'X'\n\toption sequence '7100'\n\toption action 'allow'\n\toption dest_port '22'\n\n"+
			"config sequence\n\toption name 'Y'\n\toption sequence '7200'\n\toption timout '60'\n\toption dest_port '22'\n")}, 1,
			nil, []string{"3 errors",
				`knock.ssh.sequence: knock "70000": port 70000 out of range (1-65535)`,
				`knock.@sequence[1].action: "allow" is not an action`,
				`knock.@sequence[2].timout: unknown option (did you mean "timeout"?)`}},
		{"not UCI", []string{write("syntax", "config sequence 'ssh'\n\toption sequence '7000\n")}, 1,
			nil, []string{filepath.Join(e.dir, "syntax") + ":2:", "unterminated"}},
		{"missing", []string{filepath.Join(e.dir, "nope")}, 1, nil, []string{"no such file"}},
		{"usage", []string{"a", "b"}, 2, nil, []string{"at most one FILE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := e.cli("", append([]string{"check"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stdout %q stderr %q", code, tt.code, out, errOut)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			for _, want := range tt.stderr {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut)
				}
			}
		})
	}
}

// TestE2EImport turns the seed's knockd.conf into `uci batch` text,
// applies it with the uci command line and checks the result; --write
// writes a valid config once and refuses to clobber it; a malformed
// knockd.conf fails with file:line.
func TestE2EImport(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	seed := filepath.Join(testenv.ModuleRoot(t), "pkg", "knockdconf", "testdata", "seed-uciknockd.conf")
	out, errOut, code := e.cli("", "import", "--config", filepath.Join(e.dir, "none"), seed)
	if code != 0 {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"set knock.openSSH.action='open'", "set knock.closeSSH.action='close'",
		"set knock.openFORWARD.action='forward'", "set knock.openFORWARD.dest_ip='192.168.1.99'",
		"set knock.closeFORWARD.action='unforward'"} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("batch text lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "reflection '0'") {
		t.Errorf("no warning about NAT reflection on stderr:\n%s", errOut)
	}
	// Apply it as `uciknockd import … | uci batch` would on the router.
	confDir := filepath.Join(e.dir, "applied")
	if err := os.MkdirAll(confDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(confDir, "knock"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out, "\ncommit knock\n") {
		t.Errorf("batch text does not end in commit:\n%s", out)
	}
	if _, errOut, code := e.uci(out, "-c", confDir, "batch"); code != 0 {
		t.Fatalf("uci batch: exit %d: %s", code, errOut)
	}
	if out, errOut, code := e.cli("", "check", filepath.Join(confDir, "knock")); code != 0 || !strings.Contains(out, "ok, 4 sequence(s)") {
		t.Errorf("check of the applied batch: exit %d: %s%s", code, out, errOut)
	}

	target := filepath.Join(e.dir, "written")
	if out, errOut, code := e.cli("", "import", seed, "--write", "--config", target); code != 0 || !strings.HasPrefix(out, "wrote "+target) {
		t.Fatalf("import --write: exit %d: %s%s", code, out, errOut)
	}
	if out, errOut, code := e.cli("", "check", target); code != 0 || !strings.Contains(out, "ok, 4 sequence(s)") {
		t.Errorf("check of the written config: exit %d: %s%s", code, out, errOut)
	}
	if _, errOut, code := e.cli("", "import", seed, "--write", "--config", target); code != 1 || !strings.Contains(errOut, "exists") {
		t.Errorf("second import --write: exit %d, %q; want 1 and a refusal", code, errOut)
	}

	bad := filepath.Join(e.dir, "bad.conf")
	if err := os.WriteFile(bad, []byte("[openSSH]\n\tsequence = 7000,80000\n\tcommand = /bin/true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := e.cli("", "import", bad); code != 1 || !strings.Contains(errOut, bad+":2") {
		t.Errorf("import of a malformed knockd.conf: exit %d, %q; want 1 and %s:2", code, errOut, bad)
	}
}

// TestE2EVersionAndUsage: `uciknockd version` prints the stamped version;
// an unknown command is a usage error (exit 2).
func TestE2EVersionAndUsage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	if out, _, code := e.cli("", "version"); code != 0 || out != "uciknockd "+e2eVersion+"\n" {
		t.Errorf("version: exit %d, %q", code, out)
	}
	if _, errOut, code := e.cli("", "frobnicate"); code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, %q", code, errOut)
	}
}

// TestE2ERunRefusesBadConfig: `uciknockd run` exits non-zero with the
// UCI path when /etc/config/knock is invalid, and exits 0 with a warning
// when the service is disabled. (A firewall config that does not parse
// is not fatal: TestE2EBrokenFirewallAtStart.)
func TestE2ERunRefusesBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		sequences string
		disabled  bool
		code      int
		stderr    []string
	}{
		{name: "invalid knock config", sequences: "config sequence 'ssh'\n\toption sequence '7000'\n\toption dest_port '99999'\n",
			code: 1, stderr: []string{"knock.ssh.dest_port", "99999"}},
		{name: "disabled", sequences: restartSequences, disabled: true, code: 0, stderr: []string{"disabled"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, true)
			global := ""
			if tt.disabled {
				global = "\toption enabled '0'\n"
			}
			e.writeConfig(global, tt.sequences)
			_, errOut, code := e.cli("", append([]string{"run", "--socket", ""}, e.pathFlags()...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d: %s", code, tt.code, errOut)
			}
			for _, want := range tt.stderr {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut)
				}
			}
		})
	}
}
