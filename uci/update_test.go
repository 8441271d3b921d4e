package uci

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/uciknock/uciknock/internal/testenv"
)

// corpusInput returns the input file of a golden case.
func corpusInput(t testing.TB, dir string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.GoldenDir(t, "uci"), dir, "input"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func stockFirewall(t testing.TB) []byte { return corpusInput(t, "065-stock-firewall") }

// newConfig writes data as <tmp>/config/firewall and returns a File on it.
func newConfig(t testing.TB, data []byte, mode os.FileMode) *File {
	t.Helper()
	return newConfigIn(t, t.TempDir(), data, mode)
}

// newConfigIn is newConfig under base.
func newConfigIn(t testing.TB, base string, data []byte, mode os.FileMode) *File {
	t.Helper()
	dir := filepath.Join(base, "config")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "firewall")
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return &File{Path: path}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func inodeOf(t testing.TB, path string) uint64 {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

// addDoor adds the kind of section the door keeper writes.
func addDoor(t testing.TB, p *Package, name, src string) *Section {
	t.Helper()
	s, err := p.AddNamed("rule", name)
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range [][2]string{{"name", "KnockSSH_" + src + "_22"}, {"src", "wan"}, {"src_ip", src},
		{"proto", "tcp"}, {"dest_port", "22"}, {"target", "ACCEPT"}} {
		if err := s.Set(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// tempLeftovers lists hidden temp files next to the config.
func tempLeftovers(t testing.TB, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, ".firewall.*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestUpdateAppendKeepsStockBytes(t *testing.T) {
	stock := stockFirewall(t)
	f := newConfig(t, stock, 0o644)
	var added *Section
	changed, err := f.Update(func(p *Package) error {
		added = addDoor(t, p, "knock_192_0_2_7_22", "192.0.2.7")
		return nil
	})
	if err != nil || !changed {
		t.Fatalf("Update = %v, %v", changed, err)
	}
	want := append(append([]byte(nil), stock...), RenderSection(added)...)
	if got := readFile(t, f.Path); !bytes.Equal(got, want) {
		t.Fatalf("file after append:\n%s\nwant the stock bytes followed by the rendered section", got)
	}
	p, _, err := f.Read()
	if err != nil {
		t.Fatal(err)
	}
	if s := p.Section("knock_192_0_2_7_22"); s == nil || s.Get("src_ip").Value() != "192.0.2.7" {
		t.Fatalf("section not read back: %+v", s)
	}
	if left := tempLeftovers(t, filepath.Dir(f.Path)); len(left) != 0 {
		t.Fatalf("temp files left: %v", left)
	}
}

func TestUpdateDeleteRestoresStockBytes(t *testing.T) {
	f := newConfig(t, corpusInput(t, "073-knock-delete-from-stock-file"), 0o644)
	changed, err := f.Update(func(p *Package) error {
		if !p.Delete("knock_192_0_2_7_22") {
			t.Error("section to delete not found")
		}
		return nil
	})
	if err != nil || !changed {
		t.Fatalf("Update = %v, %v", changed, err)
	}
	if got := readFile(t, f.Path); !bytes.Equal(got, stockFirewall(t)) {
		t.Fatalf("deleting the appended rule did not restore the stock file:\n%s", got)
	}
}

func TestUpdateAddThenDeleteRoundTrips(t *testing.T) {
	stock := stockFirewall(t)
	f := newConfig(t, stock, 0o600)
	names := []string{"knock_a", "knock_b", "knock_c"}
	for _, n := range names {
		if _, err := f.Update(func(p *Package) error { addDoor(t, p, n, "192.0.2.9"); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	// Delete in another order than added: middle, first, last.
	for _, n := range []string{"knock_b", "knock_a", "knock_c"} {
		if _, err := f.Update(func(p *Package) error { p.Delete(n); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if got := readFile(t, f.Path); !bytes.Equal(got, stock) {
		t.Fatalf("add/delete round trip changed the file:\n%s", got)
	}
}

func TestUpdateTouchedSectionRenderedInPlace(t *testing.T) {
	stock := stockFirewall(t)
	f := newConfig(t, stock, 0o644)
	var ping *Section
	_, err := f.Update(func(p *Package) error {
		for _, s := range p.Sections {
			if o := s.Get("name"); o != nil && o.Value() == "Allow-Ping" {
				ping = s
			}
		}
		return ping.Set("target", "DROP")
	})
	if err != nil {
		t.Fatal(err)
	}
	start := bytes.Index(stock, []byte("config rule\n\toption name\t\tAllow-Ping"))
	end := bytes.Index(stock, []byte("\nconfig rule\n\toption name\t\tAllow-IGMP"))
	if start < 0 || end < start {
		t.Fatal("stock file layout changed")
	}
	var want []byte
	want = append(want, stock[:start]...)
	want = append(want, RenderSection(ping)[1:]...)
	want = append(want, stock[end:]...)
	if got := readFile(t, f.Path); !bytes.Equal(got, want) {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
	if !bytes.Contains(want, []byte("# Allow IPv4 ping\n")) || !bytes.Contains(want, []byte("option target 'DROP'")) {
		t.Fatal("comment above the touched section or the new value missing")
	}
}

func TestUpdateUnparsableFileUntouched(t *testing.T) {
	bad := []byte("config rule 'a'\n\toption name x\n\toption 'unterminated\n")
	f := newConfig(t, bad, 0o644)
	ino := inodeOf(t, f.Path)
	called := false
	changed, err := f.Update(func(p *Package) error { called = true; return nil })
	var pe *ParseError
	if !errors.As(err, &pe) || changed || called {
		t.Fatalf("Update = %v, %v (fn called: %v); want a *ParseError and no call", changed, err, called)
	}
	if pe.File != f.Path || !strings.Contains(err.Error(), f.Path+":") || pe.Line < 1 || pe.Col < 1 {
		t.Fatalf("error does not name file:line:col: %v (%+v)", err, pe)
	}
	if !bytes.Equal(readFile(t, f.Path), bad) || inodeOf(t, f.Path) != ino {
		t.Fatal("unparsable file was modified")
	}
	if _, _, err := f.Read(); !errors.As(err, &pe) {
		t.Fatalf("Read error = %v, want *ParseError", err)
	}
}

func TestUpdateNothingWritten(t *testing.T) {
	errVeto := errors.New("veto")
	tests := []struct {
		name    string
		fn      func(p *Package) error
		wantErr error // nil: no error and changed=false
		anyErr  bool
	}{
		{name: "fn error", fn: func(p *Package) error {
			p.Delete("cfg0592bd")
			_, err := p.AddNamed("rule", "x")
			if err != nil {
				return err
			}
			return errVeto
		}, wantErr: errVeto},
		{name: "same value", fn: func(p *Package) error {
			return p.Sections[0].Set("input", "REJECT")
		}},
		{name: "change reverted", fn: func(p *Package) error {
			s, _ := p.AddNamed("rule", "tmp")
			_ = s.Set("src", "wan")
			p.Delete("tmp")
			return nil
		}},
		{name: "empty value refused", fn: func(p *Package) error {
			s, _ := p.AddNamed("rule", "x")
			s.Options = append(s.Options, &Option{Name: "src", Kind: KindOption, Values: []string{""}})
			return nil
		}, anyErr: true},
		{name: "invalid name refused", fn: func(p *Package) error {
			p.Sections = append(p.Sections, &Section{Type: "rule", Name: "a.b"})
			return nil
		}, anyErr: true},
		{name: "nil section refused", fn: func(p *Package) error {
			p.Sections = append(p.Sections, nil)
			return nil
		}, anyErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stock := stockFirewall(t)
			f := newConfig(t, stock, 0o644)
			ino := inodeOf(t, f.Path)
			changed, err := f.Update(tt.fn)
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			case tt.anyErr && err == nil:
				t.Fatal("err = nil, want a refusal")
			case tt.wantErr == nil && !tt.anyErr && err != nil:
				t.Fatalf("err = %v", err)
			}
			if changed {
				t.Fatal("changed = true")
			}
			if !bytes.Equal(readFile(t, f.Path), stock) || inodeOf(t, f.Path) != ino {
				t.Fatal("file was rewritten")
			}
			if left := tempLeftovers(t, filepath.Dir(f.Path)); len(left) != 0 {
				t.Fatalf("temp files left: %v", left)
			}
		})
	}
}

func TestUpdateFollowsOverride(t *testing.T) {
	stock := stockFirewall(t)
	f := newConfig(t, stock, 0o644)
	f.OverrideDir = filepath.Join(t.TempDir(), "run-uci")
	if err := os.Mkdir(f.OverrideDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := f.Target(); got != f.Path {
		t.Fatalf("Target without override file = %s", got)
	}
	override := filepath.Join(f.OverrideDir, "firewall")
	if err := os.WriteFile(override, []byte("config zone 'o'\n\toption name 'lan'\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := f.Target(); got != override {
		t.Fatalf("Target = %s, want %s", got, override)
	}
	if _, err := f.Update(func(p *Package) error { addDoor(t, p, "knock_x", "192.0.2.1"); return nil }); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readFile(t, f.Path), stock) {
		t.Fatal("Path written although an override exists")
	}
	p, _, err := f.Read()
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Sections) != 2 || p.Section("o") == nil || p.Section("knock_x") == nil {
		t.Fatalf("override not updated: %d sections", len(p.Sections))
	}
	f.Package = "other" // OverrideDir/other does not exist: back to Path
	if got := f.Target(); got != f.Path {
		t.Fatalf("Target for package without override = %s", got)
	}
}

func TestUpdateKeepsSymlink(t *testing.T) {
	f := newConfig(t, stockFirewall(t), 0o640)
	realDir := filepath.Join(t.TempDir(), "real")
	if err := os.Mkdir(realDir, 0o755); err != nil {
		t.Fatal(err)
	}
	real := filepath.Join(realDir, "firewall")
	if err := os.Rename(f.Path, real); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, f.Path); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Update(func(p *Package) error { addDoor(t, p, "knock_x", "192.0.2.1"); return nil }); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(f.Path); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("symlink not kept: %v %v", fi, err)
	}
	fi, err := os.Stat(real)
	if err != nil || fi.Mode().Perm() != 0o640 {
		t.Fatalf("real file: %v %v", fi, err)
	}
	if !bytes.Contains(readFile(t, real), []byte("config rule 'knock_x'")) {
		t.Fatal("link target not updated")
	}
	for _, d := range []string{filepath.Dir(f.Path), realDir} {
		if left := tempLeftovers(t, d); len(left) != 0 {
			t.Fatalf("temp files left: %v", left)
		}
	}
}

func TestUpdateKeepsModeAndOwner(t *testing.T) {
	for _, mode := range []os.FileMode{0o600, 0o644, 0o640, 0o604} {
		t.Run(mode.String(), func(t *testing.T) {
			f := newConfig(t, stockFirewall(t), mode)
			root := os.Geteuid() == 0
			if root {
				if err := os.Chown(f.Path, 1234, 5678); err != nil {
					t.Fatal(err)
				}
			}
			ino := inodeOf(t, f.Path)
			if _, err := f.Update(func(p *Package) error { addDoor(t, p, "knock_x", "192.0.2.1"); return nil }); err != nil {
				t.Fatal(err)
			}
			var st syscall.Stat_t
			if err := syscall.Stat(f.Path, &st); err != nil {
				t.Fatal(err)
			}
			if st.Ino == ino {
				t.Fatal("file rewritten in place, not replaced")
			}
			if got := os.FileMode(st.Mode).Perm(); got != mode {
				t.Fatalf("mode %v, want %v", got, mode)
			}
			wantUID, wantGID := uint32(os.Geteuid()), uint32(os.Getegid())
			if root {
				wantUID, wantGID = 1234, 5678
			}
			if st.Uid != wantUID || st.Gid != wantGID {
				t.Fatalf("owner %d:%d, want %d:%d", st.Uid, st.Gid, wantUID, wantGID)
			}
		})
	}
}

func TestUpdateMissingFileNotCreated(t *testing.T) {
	f := &File{Path: filepath.Join(t.TempDir(), "firewall")}
	if _, err := f.Update(func(p *Package) error { return nil }); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v, want not exist", err)
	}
	if _, err := os.Stat(f.Path); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("missing config file was created")
	}
}
