package client

import (
	"bytes"
	"context"
	"io/fs"
	"strings"
	"testing"
	"time"
)

// runMain runs Main with fake knocking and the given files; it returns
// the exit status, stdout, stderr and what was sent.
func runMain(t *testing.T, files map[string]string, args ...string) (int, string, string, []sent) {
	t.Helper()
	k, tr, _, _ := newFakeKnocker()
	var stdout, stderr bytes.Buffer
	env := Env{
		Stdout: &stdout,
		Stderr: &stderr,
		Getenv: func(k string) string {
			if k == "HOME" {
				return "/home/u"
			}
			return ""
		},
		ReadFile: func(p string) ([]byte, error) {
			if s, ok := files[p]; ok {
				return []byte(s), nil
			}
			return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
		},
		Knocker: k,
		Version: "1.2.3-r1",
		Rand:    bytes.NewReader(bytes.Repeat([]byte{0xff}, NewSecretLen+1)),
	}
	code := Main(context.Background(), args, env)
	return code, stdout.String(), stderr.String(), tr.sent
}

const userConf = "/home/u/.config/uciknock.conf"

func TestMainRuns(t *testing.T) {
	files := map[string]string{
		userConf:             "door home host router.example.org ports 7000,8000:udp delay 10\n",
		"/etc/uciknock.conf": "door sys host 192.0.2.1 ports 1\n",
		"/tmp/bad.conf":      "door x host h ports 1\ndoor y host h ports 0\n",
	}
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string // substring
		stderr     string // substring
		sent       []string
		noConfFile bool
	}{
		{name: "help", args: []string{"--help"}, stdout: "usage: uciknock"},
		{name: "version", args: []string{"-V"}, stdout: "uciknock 1.2.3-r1\n"},
		{name: "new secret", args: []string{"--new-secret"}, stdout: strings.Repeat("7", 32) + "\n"},
		{name: "usage error", args: []string{"host", "70000"}, code: 1, stderr: "uciknock: knock \"70000\": port 70000 out of range (1-65535)\nTry 'uciknock --help'.\n"},
		{name: "knock", args: []string{"-v", "192.0.2.9", "1", "2:udp"}, stdout: "hitting tcp 192.0.2.9:1\nhitting udp 192.0.2.9:2\n",
			sent: []string{"tcp 192.0.2.9:1", "udp 192.0.2.9:2"}},
		{name: "quiet", args: []string{"192.0.2.9", "1"}, sent: []string{"tcp 192.0.2.9:1"}},
		{name: "door", args: []string{"home"}, sent: []string{"tcp 192.0.2.7:7000", "udp 192.0.2.7:8000"}},
		{name: "door overrides", args: []string{"-u", "-6", "home"}, sent: []string{"udp [2001:db8::7]:7000", "udp [2001:db8::7]:8000"}},
		{name: "door from -c", args: []string{"-c", "/etc/uciknock.conf", "sys"}, sent: []string{"tcp 192.0.2.1:1"}},
		{name: "no such door", args: []string{"office"}, code: 1,
			stderr: `no door "office" in ` + userConf + ` (doors: home); to knock a host of that name, give its ports`},
		{name: "bad config", args: []string{"-c", "/tmp/bad.conf", "x"}, code: 1, stderr: `uciknock: /tmp/bad.conf:2: door y: knock "0": port 0 out of range (1-65535)`},
		{name: "missing -c file", args: []string{"-c", "/tmp/none.conf", "x"}, code: 1, stderr: "client config: open /tmp/none.conf"},
		{name: "no config", args: []string{"myhost"}, code: 1, noConfFile: true,
			stderr: `missing ports after host "myhost", and no door of that name: no client config found (looked for ` + userConf + `, /etc/uciknock.conf)`},
		{name: "send error", args: []string{"nx.example.org", "1"}, code: 1, stderr: `uciknock: cannot resolve host "nx.example.org": no such host`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := files
			if tt.noConfFile {
				fs = nil
			}
			code, stdout, stderr, sent := runMain(t, fs, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.code, stderr)
			}
			if !strings.Contains(stdout, tt.stdout) || (tt.stdout == "" && stdout != "") {
				t.Errorf("stdout %q, want %q", stdout, tt.stdout)
			}
			if !strings.Contains(stderr, tt.stderr) || (tt.stderr == "" && stderr != "") {
				t.Errorf("stderr %q, want %q", stderr, tt.stderr)
			}
			var got []string
			for _, s := range sent {
				got = append(got, s.Proto.String()+" "+s.Dst.String())
			}
			if strings.Join(got, ",") != strings.Join(tt.sent, ",") {
				t.Errorf("sent %v, want %v", got, tt.sent)
			}
		})
	}
}

func TestMainDoorErrorNamesDoor(t *testing.T) {
	files := map[string]string{userConf: "door gone host nx.example.org ports 1\n"}
	code, _, stderr, _ := runMain(t, files, "gone")
	if code != 1 || !strings.Contains(stderr, `uciknock: door gone: cannot resolve host "nx.example.org"`) {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestDoorSequenceCopies(t *testing.T) {
	d := &Door{Host: "h", Hits: []Hit{{Port: 1, Proto: TCP}}, UDP: true}
	seq := d.Sequence(time.Time{})
	if seq[0].Proto != UDP || d.Hits[0].Proto != TCP {
		t.Errorf("Sequence %v changed the door's hits %v", seq, d.Hits)
	}
}

func TestMainNewSecretNoEntropy(t *testing.T) {
	var stdout, stderr bytes.Buffer
	env := Env{Stdout: &stdout, Stderr: &stderr, Rand: bytes.NewReader(nil), Knocker: &Knocker{}}
	if code := Main(context.Background(), []string{"--new-secret"}, env); code != 1 || !strings.Contains(stderr.String(), "uciknock: new secret: EOF") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}
