package ucicli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cliStep is one uci invocation and what it must print and return.
type cliStep struct {
	args           string // split on blanks
	stdin          string
	stdout, stderr string
	exit           int
}

const cliBase = "config rule\n\toption name 'x'\n\tlist l 'a b'\n\tlist l 'c'\n\nconfig zone a\n\nconfig zone b\n\nconfig rule c\n"

func TestCLI(t *testing.T) {
	tests := []struct {
		name      string
		preDelta  string // save file before the first step
		steps     []cliStep
		delta     string // save file afterwards ("" = empty or missing)
		committed string // config file afterwards ("" = unchanged)
	}{
		{name: "revert one section keeps the others", steps: []cliStep{
			{args: "set firewall.a.x=1"}, {args: "set firewall.b.y=2"}, {args: "revert firewall.a"},
			{args: "changes firewall", stdout: "firewall.b.y='2'\n"},
		}, delta: "firewall.b.y='2'\n"},
		{name: "reorder with a negative position moves to the front", steps: []cliStep{
			{args: "reorder firewall.c=-1"}, {args: "commit firewall"},
		}, committed: "\nconfig rule 'c'\n\nconfig rule\n\toption name 'x'\n\tlist l 'a b'\n\tlist l 'c'\n\nconfig zone 'a'\n\nconfig zone 'b'\n\n"},
		{name: "get quotes only list items with blanks", steps: []cliStep{
			{args: "get firewall.@rule[0].l", stdout: "'a b' c\n"},
			{args: "get firewall.@rule[-1]", stdout: "rule\n"},
			{args: "get firewall.@rule[0].name=y", exit: 1},
			{args: "get firewall", exit: 0},
			{args: "get", exit: 255, stderr: usageText},
		}},
		{name: "show of a section or option uses the real name", steps: []cliStep{
			{args: "show firewall.@rule[0].name", stdout: "firewall.cfg0192bd.name='x'\n"},
			{args: "show firewall.@zone[-1]", stdout: "firewall.b=zone\n"},
			{args: "-d , show firewall.@rule[0].l", stdout: "firewall.cfg0192bd.l='a b','c'\n"},
			{args: "show firewall.nope", stderr: "uci: Entry not found\n", exit: 1},
			{args: "show firewall.@rule[x]", stderr: "uci: Invalid argument\n", exit: 1},
		}},
		{name: "delete list item out of range and by bad index", steps: []cliStep{
			{args: "delete firewall.@rule[0].l=5"},
			{args: "delete firewall.@rule[0].l=x", exit: 1},
			{args: "changes firewall"},
		}},
		{name: "add prints the id and fails with the libuci code", steps: []cliStep{
			{args: "add firewall rule", stdout: "cfg0592bd\n"},
			{args: "add nosuch rule", stderr: "uci: Entry not found\n", exit: 3},
			{args: "add bad.name rule", stderr: "uci: Invalid argument\n", exit: 2},
		}, delta: "+firewall.cfg0592bd='rule'\n"},
		{name: "type change of another length names an anonymous section", steps: []cliStep{
			{args: "set firewall.@rule[0]=redirect"},
			{args: "show firewall.@redirect[0]", stdout: "firewall.cfg0192bd=redirect\nfirewall.cfg0192bd.name='x'\nfirewall.cfg0192bd.l='a b' 'c'\n"},
			{args: "set firewall.a=enoz"}, {args: "commit firewall"},
		}, committed: "\nconfig redirect 'cfg0192bd'\n\toption name 'x'\n\tlist l 'a b'\n\tlist l 'c'\n\nconfig enoz 'a'\n\nconfig zone 'b'\n\nconfig rule 'c'\n\n"},
		{name: "batch errors, limits and exit", steps: []cliStep{
			{args: "batch", stdin: "set firewall.a.x=1 2 3\nfoo\nset firewall.a.bad-opt=1\nset firewall.a.y=2\nexit\nset firewall.a.z=3\n",
				stderr: "Too many arguments\nUnknown command\nuci: Parse error (unknown) at line 3, byte 0\n"},
		}, delta: "firewall.a.y='2'\n"},
		{name: "batch unterminated quote", steps: []cliStep{
			{args: "batch", stdin: "set firewall.a.x='abc\n", stderr: "uci: Parse error (EOF with unterminated ') at line 1, byte 22\n"},
		}},
		{name: "quiet mode prints nothing", steps: []cliStep{
			{args: "-q set firewall.nope.x=1", exit: 1},
		}},
		{name: "revert of a section drops its option lines too", steps: []cliStep{
			{args: "set firewall.a.x=1"}, {args: "delete firewall.a"}, {args: "set firewall.zz=zone"},
			{args: "revert firewall.zz"}, {args: "revert firewall.a"},
			{args: "commit firewall"},
		}},
		{name: "commit with no applicable line writes nothing and keeps the delta",
			preDelta: "-firewall.nosuch\nfirewall.a.x='1' trailing\nother.a.x='1'\n",
			steps: []cliStep{
				{args: "changes firewall", stdout: "-firewall.nosuch\n"},
				{args: "commit firewall"},
			}, delta: "-firewall.nosuch\nfirewall.a.x='1' trailing\nother.a.x='1'\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conf, save := t.TempDir(), filepath.Join(t.TempDir(), "save")
			file := filepath.Join(conf, "firewall")
			if err := os.WriteFile(file, []byte(cliBase), 0o644); err != nil {
				t.Fatal(err)
			}
			if tt.preDelta != "" {
				if err := os.Mkdir(save, 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(save, "firewall"), []byte(tt.preDelta), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			cli := &CLI{ConfDir: conf, SaveDir: save}
			for _, st := range tt.steps {
				var o, e bytes.Buffer
				exit := cli.Run(strings.Fields(st.args), strings.NewReader(st.stdin), &o, &e)
				if o.String() != st.stdout || e.String() != st.stderr || exit != st.exit {
					t.Errorf("uci %s: got (%q, %q, %d), want (%q, %q, %d)", st.args, o.String(), e.String(), exit, st.stdout, st.stderr, st.exit)
				}
			}
			delta, _ := os.ReadFile(filepath.Join(save, "firewall"))
			if string(delta) != tt.delta {
				t.Errorf("delta %q, want %q", delta, tt.delta)
			}
			want := tt.committed
			if want == "" {
				want = cliBase
			}
			if got, _ := os.ReadFile(file); string(got) != want {
				t.Errorf("config file %q, want %q", got, want)
			}
		})
	}
}

func TestCLIAllConfigsAndLax(t *testing.T) {
	conf := t.TempDir()
	for name, text := range map[string]string{"b": "config t x\n", "a": "config t y\nbogus\nconfig t z\n", "c.bak": "config t w\n"} {
		if err := os.WriteFile(filepath.Join(conf, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(conf, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	cli := &CLI{ConfDir: conf, SaveDir: filepath.Join(t.TempDir(), "s")}
	var o, e bytes.Buffer
	if exit := cli.Run([]string{"show"}, nil, &o, &e); exit != 0 || o.String() != "b.x=t\n" ||
		e.String() != "uci: Parse error (invalid command) at line 2, byte 0\n" {
		t.Errorf("show all: %d %q %q", exit, o.String(), e.String())
	}
	o.Reset()
	e.Reset()
	if exit := cli.Run([]string{"-S", "show", "a"}, nil, &o, &e); exit != 0 || o.String() != "a.y=t\na.z=t\n" ||
		e.String() != "Parse error (invalid command) at line 2, byte 0\n" {
		t.Errorf("lax show: %d %q %q", exit, o.String(), e.String())
	}
}

func TestCLIImport(t *testing.T) {
	conf := t.TempDir()
	save := filepath.Join(t.TempDir(), "s")
	cli := &CLI{ConfDir: conf, SaveDir: save}
	run := func(stdin string, args ...string) (string, int) {
		t.Helper()
		var o, e bytes.Buffer
		exit := cli.Run(args, strings.NewReader(stdin), &o, &e)
		return o.String() + e.String(), exit
	}
	file := func(name string) string {
		b, _ := os.ReadFile(filepath.Join(conf, name))
		return string(b)
	}
	if out, exit := run("package a\nconfig t x\n\toption o '1'\npackage b\nconfig t\n", "import"); exit != 0 || out != "" {
		t.Fatalf("import: %q %d", out, exit)
	}
	if file("a") != "\nconfig t 'x'\n\toption o '1'\n\n" || file("b") != "\nconfig t\n\n" {
		t.Errorf("imported files %q %q", file("a"), file("b"))
	}
	if out, exit := run("package zz\nconfig t y\n", "import", "a"); exit != 0 || out != "" || file("a") != "\nconfig t 'y'\n\n" {
		t.Errorf("import a: %q %d %q", out, exit, file("a"))
	}
	if out, exit := run("config t y\n\toption o 2\nconfig t\n", "-m", "import", "a"); exit != 0 || out != "" {
		t.Errorf("merge: %q %d", out, exit)
	}
	if d, _ := os.ReadFile(filepath.Join(save, "a")); string(d) != "a.y.o='2'\n+a.cfg02b619='t'\n" {
		t.Errorf("merge delta %q", d)
	}
	if out, exit := run("config t x\n", "import"); exit != 1 || out != "uci: Parse error (attempting to import a file without a package name) at line 1, byte 0\n" {
		t.Errorf("no package: %q %d", out, exit)
	}
	if out, exit := run("package c\npackage c\n", "import"); exit != 1 || out != "uci: Duplicate entry\n" || file("c") != "" {
		t.Errorf("duplicate: %q %d", out, exit)
	}
}

// TestCLIImportInBatch: inside a batch, import reads the rest of the batch
// input, as libuci reads on from the same stream.
func TestCLIImportInBatch(t *testing.T) {
	conf := t.TempDir()
	cli := &CLI{ConfDir: conf, SaveDir: filepath.Join(t.TempDir(), "s")}
	var o, e bytes.Buffer
	in := "import firewall\nconfig rule r\n\toption a '1'\n"
	if exit := cli.Run([]string{"batch"}, strings.NewReader(in), &o, &e); exit != 0 || o.Len()+e.Len() != 0 {
		t.Fatalf("batch: %d %q %q", exit, o.String(), e.String())
	}
	if got, _ := os.ReadFile(filepath.Join(conf, "firewall")); string(got) != "\nconfig rule 'r'\n\toption a '1'\n\n" {
		t.Errorf("imported %q", got)
	}
}

func TestCLIDirsAndFlags(t *testing.T) {
	conf, over, extra, save := t.TempDir(), t.TempDir(), t.TempDir(), filepath.Join(t.TempDir(), "s")
	write := func(path, text string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(conf, "firewall"), "config rule\n")
	write(filepath.Join(extra, "firewall"), "firewall.x=zone\n")
	cli := &CLI{ConfDir: conf, SaveDir: save}
	run := func(args ...string) string {
		t.Helper()
		var o bytes.Buffer
		if exit := cli.Run(args, nil, &o, &o); exit != 0 {
			t.Fatalf("%v: exit %d: %s", args, exit, o.String())
		}
		return o.String()
	}
	if got := run("-n", "export", "firewall"); got != "package firewall\n\nconfig rule 'cfg0192bd'\n\n" {
		t.Errorf("-n export: %q", got)
	}
	if got := run("-p", extra, "-X", "show", "firewall"); got != "firewall.cfg0192bd=rule\nfirewall.x=zone\n" {
		t.Errorf("-p show: %q", got)
	}
	run("-p", extra, "set", "firewall.x.a=1")
	run("-p", extra, "commit", "firewall")
	if got, _ := os.ReadFile(filepath.Join(conf, "firewall")); string(got) != "\nconfig rule\n\nconfig zone 'x'\n\toption a '1'\n\n" {
		t.Errorf("-p commit: %q", got)
	}
	if got, _ := os.ReadFile(filepath.Join(extra, "firewall")); string(got) != "firewall.x=zone\n" {
		t.Errorf("read-only delta dir changed: %q", got)
	}
	pdir := filepath.Join(t.TempDir(), "p")
	run("-P", pdir, "set", "firewall.y=zone")
	run("-P", pdir, "commit", "firewall")
	if got := run("-P", pdir, "changes", "firewall"); got != "firewall.y='zone'\n" {
		t.Errorf("-P keeps changes pending: %q", got)
	}
	write(filepath.Join(over, "firewall"), "config over o\n")
	if got := run("-C", over, "show", "firewall"); got != "firewall.o=over\n" {
		t.Errorf("-C show: %q", got)
	}
	run("-C", over, "set", "firewall.o.k=v")
	run("-C", over, "commit", "firewall")
	if got, _ := os.ReadFile(filepath.Join(over, "firewall")); string(got) != "\nconfig over 'o'\n\toption k 'v'\n\n" {
		t.Errorf("-C commit: %q", got)
	}
}

// TestNULBlowup: a file whose NUL bytes exhaust libuci's line buffer
// makes uci fail with "Out of memory".
func TestNULBlowup(t *testing.T) {
	conf := t.TempDir()
	in := []byte(strings.Repeat("config t\x00n\n", 100))
	if err := os.WriteFile(filepath.Join(conf, "f"), in, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"show", "f"}, {"-S", "show", "f"}} {
		var o, e bytes.Buffer
		if exit := (&CLI{ConfDir: conf, SaveDir: t.TempDir()}).Run(args, nil, &o, &e); exit != 1 || e.String() != "uci: Out of memory\n" {
			t.Errorf("%v: %d %q", args, exit, e.String())
		}
	}
}
