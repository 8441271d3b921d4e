package uci

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uciknock/uciknock/internal/testenv"
)

// goldenInputs returns the config file of every case of the golden
// corpus (recorded from the real uci; its commands are replayed by
// package ucicli's TestGolden), to seed the fuzz targets.
func goldenInputs(t testing.TB) [][]byte {
	t.Helper()
	root := testenv.GoldenDir(t, "uci")
	inputs, err := filepath.Glob(filepath.Join(root, "*", "input"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no golden inputs in %s (%v)", root, err)
	}
	var out [][]byte
	for _, path := range inputs {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// roundTrips reports whether libuci itself can write p and read it back:
// it writes section types raw (unquoted, a ' only escaped), so a type
// containing any of ' " \ # ; is re-read differently, by libuci as by us.
func roundTrips(p *Package) bool {
	for _, s := range p.Sections {
		if strings.ContainsAny(s.Type, `'"\#;`) {
			return false
		}
	}
	return true
}

// FuzzParse: no input panics; a parsed package that libuci could
// round-trip commits to bytes that parse back to the same model.
func FuzzParse(f *testing.F) {
	for _, b := range goldenInputs(f) {
		f.Add(b)
	}
	f.Add([]byte("config a 'b\x00c'\n\\\r\n;;c x;o y 1 # z\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ParseWith("fuzz", data, ParseOptions{Lax: true})
		p, err := Parse("fuzz", data)
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		for _, s := range p.Sections {
			for _, sp := range s.Spans {
				if sp.Start < 0 || sp.End > len(data) || sp.Start >= sp.End || data[sp.Start] != 'c' {
					t.Fatalf("section %s: bad span %+v (len %d)", s.Name, sp, len(data))
				}
			}
		}
		if !roundTrips(p) {
			return
		}
		out := p.Commit()
		q, err := Parse("fuzz", out)
		if err != nil {
			t.Fatalf("committed bytes do not parse: %v\n%q", err, out)
		}
		if len(q.Sections) != len(p.Sections) {
			t.Fatalf("round trip: %d sections, want %d\n%q", len(q.Sections), len(p.Sections), out)
		}
		for i, s := range p.Sections {
			if !s.Equal(q.Sections[i]) {
				t.Fatalf("round trip: section %d differs\n got %+v\nwant %+v", i, q.Sections[i], s)
			}
		}
	})
}
