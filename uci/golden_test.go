package uci

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/uciknock/uciknock/internal/testenv"
)

// goldenCase is one directory of ../shared/testdata/uci.
type goldenCase struct {
	dir string
	pkg string
}

func goldenCases(t testing.TB) []goldenCase {
	t.Helper()
	root := filepath.Join(testenv.SharedDir(t), "testdata", "uci")
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

func checkBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs\n got: %q\nwant: %q", what, got, want)
	}
}

// TestGolden checks every corpus case (parse-level part).
func TestGolden(t *testing.T) {
	for _, c := range goldenCases(t) {
		t.Run(filepath.Base(c.dir), func(t *testing.T) {
			in := readOpt(t, filepath.Join(c.dir, "input"))
			p, err := Parse(c.pkg, in)
			var show, showX, export, stderr []byte
			if err != nil {
				stderr = []byte("uci: " + err.(*ParseError).LibUCI() + "\n")
			} else {
				show, showX, export = p.Show(true), p.Show(false), p.Export(false)
			}
			checkBytes(t, "show", show, readOpt(t, filepath.Join(c.dir, "show.out")))
			checkBytes(t, "showX", showX, readOpt(t, filepath.Join(c.dir, "show-X.out")))
			checkBytes(t, "export", export, readOpt(t, filepath.Join(c.dir, "export.out")))
			checkBytes(t, "stderr", stderr, readOpt(t, filepath.Join(c.dir, "show.stderr")))
			if w := readOpt(t, filepath.Join(c.dir, "show-S.out")); w != nil || err != nil {
				var warn strings.Builder
				lp := ParseLax(c.pkg, in, func(e *ParseError) { warn.WriteString(e.LibUCI() + "\n") })
				checkBytes(t, "showS", lp.Show(true), w)
				checkBytes(t, "showS.stderr", []byte(warn.String()), readOpt(t, filepath.Join(c.dir, "show-S.stderr")))
			}
		})
	}
}
