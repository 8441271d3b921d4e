package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uciknock/uciknock/pkg/config"
)

// TestCheckJSON: every error comes with the UCI path split into section
// and option (what LuCI needs to show it at the field), syntax errors
// with their line, and a good file with ok and the sequence count.
func TestCheckJSON(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name, cfg string
		code      int
		want      []config.ReportError
		sequences int
	}{
		{"ok", "config knockd 'main'\n\toption enabled '1'\n\nconfig sequence 'ssh'\n\toption sequence '7000 8000'\n\toption dest_port '22'\n", 0, nil, 1},
		{"fields", "config sequence 'a'\n\toption sequence '70000'\n\toption dest_port '22'\n\nconfig sequence\n\toption name 'B'\n\toption sequence '1 2'\n\toption dest_port '0'\n", 1, []config.ReportError{
			{Path: "knock.a.sequence", Section: "a", Option: "sequence"},
			{Path: "knock.@sequence[1].dest_port", Section: "@sequence[1]", Option: "dest_port"},
		}, 0},
		{"syntax", "config knockd 'main'\n\nbroken line\n", 1, []config.ReportError{{Line: 3}}, 0},
		{"onetime", "config sequence 'ot'\n\toption one_time_file '" + filepath.Join(dir, "missing") + "'\n\toption dest_port '22'\n", 1, []config.ReportError{
			{Path: "knock.ot.one_time_file", Section: "ot", Option: "one_time_file"},
		}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, tt.name)
			if err := os.WriteFile(p, []byte(tt.cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			var out, errb bytes.Buffer
			code := run([]string{"check", "--json", p}, &out, &errb)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.code, errb.String())
			}
			var res config.Report
			if err := json.Unmarshal(out.Bytes(), &res); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, out.String())
			}
			if res.OK != (tt.code == 0) || res.File != p || res.Sequences != tt.sequences || res.Errors == nil || res.Warnings == nil {
				t.Errorf("result %+v", res)
			}
			if len(res.Errors) != len(tt.want) {
				t.Fatalf("errors %+v, want %d", res.Errors, len(tt.want))
			}
			for i, w := range tt.want {
				g := res.Errors[i]
				if g.Path != w.Path || g.Section != w.Section || g.Option != w.Option || g.Line != w.Line || g.Message == "" {
					t.Errorf("error %d = %+v, want %+v and a message", i, g, w)
				}
			}
		})
	}
}

// TestCheckJSONStateDir: the state_dir error of `check` (daemon.Check)
// reaches the JSON output with its UCI path, for LuCI to show by the field.
func TestCheckJSONStateDir(t *testing.T) {
	p := filepath.Join(t.TempDir(), "knock")
	text := "config knockd 'main'\n\toption state_dir '/dev/shm/uciknock-test-missing/knock'\n" +
		"\nconfig sequence\n\toption name 'Once'\n\toption dest_port '22'\n\tlist one_time_sequences '7301:udp 7302:udp'\n"
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	err := cmdCheck([]string{"--json", p}, &out)
	if err == nil && strings.Contains(out.String(), `"ok": true`) {
		t.Skip("/dev/shm is not tmpfs here")
	}
	if err == nil || !strings.Contains(out.String(), `"path": "knock.main.state_dir"`) {
		t.Errorf("check --json = %v\n%s", err, out.String())
	}
}
