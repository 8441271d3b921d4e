package ucicli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/uciknock/uciknock/internal/testenv"
)

// goldenCase is one directory of testdata/golden (the uci CLI's output).
type goldenCase struct {
	dir string
	pkg string
}

func goldenCases(t testing.TB) []goldenCase {
	t.Helper()
	root := testenv.GoldenDir(t, "uci")
	ents, err := os.ReadDir(root)
	if err != nil {
		t.Fatalf("read corpus: %v", err)
	}
	var cases []goldenCase
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(root, e.Name())
		pkg := "firewall"
		if b, err := os.ReadFile(filepath.Join(dir, "package")); err == nil {
			pkg = strings.TrimSpace(string(b))
		}
		cases = append(cases, goldenCase{dir: dir, pkg: pkg})
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].dir < cases[j].dir })
	if len(cases) == 0 {
		t.Fatal("no golden cases")
	}
	return cases
}

// readOpt returns the file's bytes, or nil when it does not exist.
func readOpt(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantExit reads X.exit (missing = 0).
func wantExit(t *testing.T, path string) string {
	t.Helper()
	b := readOpt(t, path)
	if b == nil {
		return "0"
	}
	return strings.TrimSpace(string(b))
}

func checkBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs\n got: %q\nwant: %q", what, got, want)
	}
}

// TestGolden replays every corpus case through CLI.Run exactly as the
// corpus README says the real uci was run, and compares every recorded
// output: stdout, stderr and exit status of show, -X show, export, -S
// show, each command (one-by-one or batch), changes, the delta file, the
// committed file and its show outputs.
func TestGolden(t *testing.T) {
	for _, c := range goldenCases(t) {
		t.Run(filepath.Base(c.dir), func(t *testing.T) {
			g := newGoldenRun(t, c)
			g.step("show", "show", c.pkg)
			g.step("show-X", "-X", "show", c.pkg)
			g.step("export", "export", c.pkg)
			if readOpt(t, filepath.Join(c.dir, "show-S.out")) != nil || wantExit(t, filepath.Join(c.dir, "show.exit")) != "0" {
				g.step("show-S", "-S", "show", c.pkg)
			}
			if cmds := readOpt(t, filepath.Join(c.dir, "commands")); cmds != nil {
				g.commands(string(cmds))
			}
			if want := readOpt(t, filepath.Join(c.dir, "committed")); want != nil {
				got, err := os.ReadFile(filepath.Join(g.conf, c.pkg))
				if err != nil {
					t.Fatal(err)
				}
				checkBytes(t, "committed", got, want)
				g.step("committed.show", "show", c.pkg)
				g.step("committed.show-X", "-X", "show", c.pkg)
			}
		})
	}
}

type goldenRun struct {
	t          *testing.T
	c          goldenCase
	conf, save string
	cli        *CLI
}

func newGoldenRun(t *testing.T, c goldenCase) *goldenRun {
	t.Helper()
	g := &goldenRun{t: t, c: c, conf: t.TempDir(), save: filepath.Join(t.TempDir(), "save")}
	if err := os.Mkdir(g.save, 0o700); err != nil {
		t.Fatal(err)
	}
	in := readOpt(t, filepath.Join(c.dir, "input"))
	if err := os.WriteFile(filepath.Join(g.conf, c.pkg), in, 0o644); err != nil {
		t.Fatal(err)
	}
	g.cli = &CLI{ConfDir: g.conf, SaveDir: g.save}
	return g
}

// run executes one uci invocation.
func (g *goldenRun) run(stdin string, args ...string) (stdout, stderr []byte, exit int) {
	var o, e bytes.Buffer
	full := append([]string{"-c", g.conf, "-t", g.save}, args...)
	exit = g.cli.Run(full, strings.NewReader(stdin), &o, &e)
	return o.Bytes(), e.Bytes(), exit
}

// step runs args and compares with NAME.out, NAME.stderr, NAME.exit.
func (g *goldenRun) step(name string, args ...string) {
	g.t.Helper()
	out, errOut, exit := g.run("", args...)
	g.compare(name, name+".out", out, errOut, exit, true)
}

func (g *goldenRun) compare(name, outFile string, out, errOut []byte, exit int, checkExit bool) {
	g.t.Helper()
	checkBytes(g.t, name+" stdout", out, readOpt(g.t, filepath.Join(g.c.dir, outFile)))
	checkBytes(g.t, name+" stderr", errOut, readOpt(g.t, filepath.Join(g.c.dir, name+".stderr")))
	if checkExit {
		if want := wantExit(g.t, filepath.Join(g.c.dir, name+".exit")); strconv.Itoa(exit) != want {
			g.t.Errorf("%s exit %d, want %s", name, exit, want)
		}
	}
}

func (g *goldenRun) commands(text string) {
	t := g.t
	lines := strings.SplitAfter(text, "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "# mode: ") {
		t.Fatalf("commands: bad header %q", lines[0])
	}
	body := lines[2:]
	if n := len(body); n > 0 && body[n-1] == "" {
		body = body[:n-1]
	}
	var exits []string
	if strings.HasPrefix(lines[0], "# mode: batch") {
		out, errOut, exit := g.run(strings.Join(body, ""), "batch")
		checkBytes(t, "commands.stdout", out, readOpt(t, filepath.Join(g.c.dir, "commands.stdout")))
		checkBytes(t, "commands.stderr", errOut, readOpt(t, filepath.Join(g.c.dir, "commands.stderr")))
		exits = append(exits, strconv.Itoa(exit)+"\tbatch\n")
	} else {
		snapshot := false
		for i, line := range body {
			line = strings.TrimSuffix(line, "\n")
			words, err := shellWords(line)
			if err != nil {
				t.Fatalf("line %d: %v", i+1, err)
			}
			if !snapshot && len(words) > 0 && words[0] == "commit" {
				snapshot = true
				g.snapshot()
			}
			out, errOut, exit := g.run("", words...)
			step := filepath.Join(g.c.dir, fmt.Sprintf("step-%02d", i+1))
			checkBytes(t, "step stdout "+line, out, readOpt(t, step+".stdout"))
			checkBytes(t, "step stderr "+line, errOut, readOpt(t, step+".stderr"))
			exits = append(exits, strconv.Itoa(exit)+"\t"+line+"\n")
		}
	}
	checkBytes(t, "commands.exit", []byte(strings.Join(exits, "")), readOpt(t, filepath.Join(g.c.dir, "commands.exit")))
}

// snapshot compares `uci changes` and the delta file taken before the
// first commit. The corpus records no exit status for this step.
func (g *goldenRun) snapshot() {
	out, errOut, _ := g.run("", "changes", g.c.pkg)
	g.compare("changes", "changes.out", out, errOut, 0, false)
	delta := readOpt(g.t, filepath.Join(g.save, g.c.pkg))
	checkBytes(g.t, "delta", delta, readOpt(g.t, filepath.Join(g.c.dir, "delta")))
}
