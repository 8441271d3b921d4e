package uci

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseSpans(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string][]string // section name -> text of each span
	}{
		{
			name: "trailing comment and blanks excluded",
			in:   "# head\nconfig rule 'r1'\n\toption a 'b'   # c\n\nconfig rule r2\n\tlist x y\n",
			want: map[string][]string{"r1": {"config rule 'r1'\n\toption a 'b'"}, "r2": {"config rule r2\n\tlist x y"}},
		},
		{
			name: "merged duplicate gets two spans",
			in:   "config foo a\n\toption x 1\nconfig foo b\nconfig foo a\n\toption y 2;\n",
			want: map[string][]string{"a": {"config foo a\n\toption x 1", "config foo a\n\toption y 2"}, "b": {"config foo b"}},
		},
		{
			name: "no trailing newline, empty value counts only up to name",
			in:   "c t n\n o k ''\n o m #x",
			want: map[string][]string{"n": {"c t n\n o k ''\n o m"}},
		},
		{
			name: "multi-line value and CRLF",
			in:   "config t n\r\n\toption v 'a\r\nb'\r\n",
			want: map[string][]string{"n": {"config t n\r\n\toption v 'a\r\nb'"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("test", []byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]string{}
			for _, s := range p.Sections {
				for _, sp := range s.Spans {
					got[s.Name] = append(got[s.Name], tt.in[sp.Start:sp.End])
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("spans\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestParseErrorPosition(t *testing.T) {
	tests := []struct {
		in                   string
		line, col, byt, offs int
		reason               string
	}{
		{"config foo bar\nbogus\n", 2, 1, 0, 15, reasonInvalidCommand},
		{"config foo 'bar' extra\n", 1, 23, 23, 22, reasonTooMany},
		{"config foo 'bar'\n\toption a 'b", 1, 13, 12, 29, "EOF with unterminated '"},
		{"config foo bad-name\n", 1, 20, 20, 19, reasonInvalidName},
	}
	for _, tt := range tests {
		_, err := Parse("fw", []byte(tt.in))
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("%q: want *ParseError, got %v", tt.in, err)
		}
		if pe.Line != tt.line || pe.Col != tt.col || pe.Byte != tt.byt || pe.Offset != tt.offs || pe.Reason != tt.reason || pe.File != "fw" {
			t.Errorf("%q: got %+v", tt.in, *pe)
		}
	}
}

// TestParseNULBlowup: libuci doubles its line buffer for every line that
// holds a NUL byte, so a run of such lines exhausts its memory. We stop
// with an error instead of allocating.
func TestParseNULBlowup(t *testing.T) {
	in := []byte(strings.Repeat("config t\x00n\n", 100))
	if _, err := Parse("f", in); err == nil || !strings.Contains(err.Error(), "Out of memory") {
		t.Errorf("strict: %v", err)
	}
	var pe *ParseError
	if _, err := ParseWith("f", in, ParseOptions{Lax: true}); !errors.As(err, &pe) || pe.Code != CodeMem {
		t.Errorf("lax: %v", err)
	}
}

// TestParseWith covers the hook `uci import` uses: several packages in one
// input, merging into a package with the changes reported, lax parsing.
func TestParseWith(t *testing.T) {
	pkgs, err := ParseWith("", []byte("package a\nconfig t x\npackage b\nconfig t\n"), ParseOptions{Packages: true})
	if err != nil || len(pkgs) != 2 || pkgs[0].Name != "a" || pkgs[1].Name != "b" ||
		string(pkgs[0].Commit()) != "\nconfig t 'x'\n\n" || string(pkgs[1].Commit()) != "\nconfig t\n\n" {
		t.Fatalf("Packages: %v %+v", err, pkgs)
	}
	if _, err := ParseWith("", []byte("package a\npackage a\nbogus\n"), ParseOptions{Packages: true}); !errors.Is(err, &Error{Code: CodeDuplicate}) {
		t.Errorf("package named twice: %v", err)
	}
	var pe *ParseError
	if _, err := ParseWith("in", []byte("config t x\n"), ParseOptions{Packages: true}); !errors.As(err, &pe) || pe.Reason != reasonNoPackage {
		t.Errorf("config before package: %v", err)
	}

	into, err := Parse("a", []byte("config t x\n\toption o '1'\nconfig u\n"))
	if err != nil {
		t.Fatal(err)
	}
	var got []Change
	in := "config t x\n\toption o '1'\n\toption o '2'\n\tlist l 'i'\nconfig v x2\nconfig t x2\nconfig u\n"
	pkgs, err = ParseWith("a", []byte(in), ParseOptions{Lax: true, Into: into, Changed: func(c Change) { got = append(got, c) }})
	if err != nil || len(pkgs) != 1 || pkgs[0] != into {
		t.Fatalf("Into: %v %v", err, pkgs)
	}
	want := []Change{
		{ChangeSet, "x", "o", "2"}, {ChangeAddList, "x", "l", "i"},
		{ChangeSet, "x2", "", "v"}, {ChangeSet, "x2", "", "t"}, {ChangeAdd, "cfg04b61a", "", "u"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("changes\n got %+v\nwant %+v", got, want)
	}
	if len(into.Sections) != 4 || into.Allocated != 4 {
		t.Errorf("merged package: %d sections, Allocated %d", len(into.Sections), into.Allocated)
	}

	var warned []string
	pkgs, err = ParseWith("f", []byte("config t x\nbogus\nconfig t y extra\n"), ParseOptions{Lax: true, Warn: func(e *ParseError) { warned = append(warned, e.Error()) }})
	if err != nil || len(pkgs[0].Sections) != 2 || !reflect.DeepEqual(warned, []string{"f:2:1: invalid command"}) {
		t.Errorf("Lax: %v %d %q", err, len(pkgs[0].Sections), warned)
	}
}
