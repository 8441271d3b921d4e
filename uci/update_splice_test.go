package uci

import (
	"testing"
)

// TestSpliceCases pins the exact text the splice produces for layouts a
// hand-edited file can have. Every result is also re-parsed by edit.
func TestSpliceCases(t *testing.T) {
	set := func(sec, opt, val string) func(p *Package) error {
		return func(p *Package) error { return p.Section(sec).Set(opt, val) }
	}
	del := func(names ...string) func(p *Package) error {
		return func(p *Package) error {
			for _, n := range names {
				if !p.Delete(n) {
					t.Errorf("no section %s", n)
				}
			}
			return nil
		}
	}
	add := func(name string) func(p *Package) error {
		return func(p *Package) error {
			s, err := p.AddNamed("rule", name)
			if err != nil {
				return err
			}
			return s.Set("src", "wan")
		}
	}
	tests := []struct {
		name string
		in   string
		fn   func(p *Package) error
		want string
	}{{
		name: "delete middle keeps comments around it",
		in:   "# head\nconfig a 'x'\n\toption v 1\n\n# about y\nconfig a 'y' # mine\n\toption v 2 # two\n\n# tail\nconfig a 'z'\n",
		fn:   del("y"),
		want: "# head\nconfig a 'x'\n\toption v 1\n\n# about y\n\n# tail\nconfig a 'z'\n",
	}, {
		name: "delete between blank lines takes one blank line",
		in:   "config a 'x'\n\nconfig a 'y'\n\toption v 2\n\nconfig a 'z'\n",
		fn:   del("y"),
		want: "config a 'x'\n\nconfig a 'z'\n",
	}, {
		name: "delete adjacent sections at end",
		in:   "config a 'x'\n\nconfig a 'y'\n\nconfig a 'z'\n",
		fn:   del("y", "z"),
		want: "config a 'x'\n",
	}, {
		name: "delete first section",
		in:   "config a 'x'\n\toption v 1\n\nconfig a 'y'\n",
		fn:   del("x"),
		want: "\nconfig a 'y'\n",
	}, {
		name: "touch keeps neighbours' formatting",
		in:   "config a 'x'\n  option   v   \"1\"\n\nconfig a 'y'\n\toption v 2 # keep\n\n#end\n",
		fn:   set("y", "v", "3"),
		want: "config a 'x'\n  option   v   \"1\"\n\nconfig a 'y'\n\toption v '3'\n\n#end\n",
	}, {
		name: "touch drops comments inside the section only",
		in:   "config a 'x'\n\toption v 1\n# inside\n\toption w 2\n# after\n",
		fn:   set("x", "v", "9"),
		want: "config a 'x'\n\toption v '9'\n\toption w '2'\n# after\n",
	}, {
		name: "multi-line value in touched section",
		in:   "config a 'x'\n\toption v 'line1\nline2'\n\nconfig a 'y'\n",
		fn:   set("x", "w", "1"),
		want: "config a 'x'\n\toption v 'line1\nline2'\n\toption w '1'\n\nconfig a 'y'\n",
	}, {
		name: "sections sharing a line are rewritten together",
		in:   "config a 'x'; option v 1 ; config a 'y'; option v 2 # c\nconfig a 'z'\n",
		fn:   del("x"),
		want: "config a 'y'\n\toption v '2'\nconfig a 'z'\n",
	}, {
		name: "shared line untouched stays verbatim",
		in:   "config a 'x'; option v 1 ; config a 'y'; option v 2\nconfig a 'z'\n",
		fn:   set("z", "v", "3"),
		want: "config a 'x'; option v 1 ; config a 'y'; option v 2\nconfig a 'z'\n\toption v '3'\n",
	}, {
		name: "package statement before a shared line is kept",
		in:   "package firewall ; config a 'x'; option v 1\n",
		fn:   set("x", "v", "2"),
		want: "package firewall\nconfig a 'x'\n\toption v '2'\n",
	}, {
		name: "duplicate declaration untouched stays verbatim",
		in:   "config a 'd'\n\tlist l 1\n\nconfig a 'o'\n\nconfig a 'd'\n\tlist l 2\n",
		fn:   set("o", "v", "1"),
		want: "config a 'd'\n\tlist l 1\n\nconfig a 'o'\n\toption v '1'\n\nconfig a 'd'\n\tlist l 2\n",
	}, {
		name: "duplicate declaration touched merges at first position",
		in:   "config a 'd'\n\tlist l 1\n\nconfig a 'o'\n\nconfig a 'd'\n\tlist l 2\n",
		fn:   set("d", "v", "3"),
		want: "config a 'd'\n\tlist l '1'\n\tlist l '2'\n\toption v '3'\n\nconfig a 'o'\n",
	}, {
		name: "duplicate sharing a line with another section",
		in:   "config a 'd'\n\tlist l 1\n\nconfig a 'o'; config a 'd'; list l 2\n",
		fn:   set("d", "v", "3"),
		want: "config a 'd'\n\tlist l '1'\n\tlist l '2'\n\toption v '3'\n\nconfig a 'o'\n",
	}, {
		name: "libuci drops the rest of a line after x; (uci.md §2)",
		in:   "config a 'x'\n\toption v 1;config a 'y'\n",
		fn:   set("x", "w", "2"),
		want: "config a 'x'\n\toption v '1'\n\toption w '2'\n",
	}, {
		name: "append after missing final newline",
		in:   "config a 'x'\n\toption v 1 # no newline",
		fn:   add("n"),
		want: "config a 'x'\n\toption v 1 # no newline\n\nconfig rule 'n'\n\toption src 'wan'\n",
	}, {
		name: "append to empty file",
		in:   "",
		fn:   add("n"),
		want: "\nconfig rule 'n'\n\toption src 'wan'\n",
	}, {
		name: "CRLF file keeps its lines",
		in:   "config a 'x'\r\n\toption v 1\r\n\r\nconfig a 'y'\r\n\toption v 2\r\n",
		fn:   set("y", "v", "3"),
		want: "config a 'x'\r\n\toption v 1\r\n\r\nconfig a 'y'\n\toption v '3'\n",
	}, {
		name: "anonymous section deleted before others",
		in:   "config rule\n\toption n 1\n\nconfig rule\n\toption n 2\n\nconfig zone 'z'\n",
		fn: func(p *Package) error {
			p.Sections = p.Sections[1:]
			return nil
		},
		want: "\nconfig rule\n\toption n 2\n\nconfig zone 'z'\n",
	}, {
		name: "reorder falls back to commit format",
		in:   "# c\nconfig a 'x'\n\nconfig a 'y'\n",
		fn: func(p *Package) error {
			p.Sections[0], p.Sections[1] = p.Sections[1], p.Sections[0]
			return nil
		},
		want: "\nconfig a 'y'\n\nconfig a 'x'\n\n",
	}, {
		name: "replaced pointer with same name edits in place",
		in:   "config a 'x'\n\toption v 1\n\nconfig a 'y'\n",
		fn: func(p *Package) error {
			p.Sections[0] = &Section{Type: "a", Name: "x", Options: []*Option{{Name: "v", Kind: KindOption, Values: []string{"2"}}}}
			return nil
		},
		want: "config a 'x'\n\toption v '2'\n\nconfig a 'y'\n",
	}, {
		name: "deleted and added again by name moves to the end",
		in:   "# c\nconfig a 'x'\n\toption v 1\n\n# d\nconfig a 'y'\n",
		fn: func(p *Package) error {
			p.Delete("x")
			s, err := p.AddNamed("a", "x")
			if err != nil {
				return err
			}
			return s.Set("v", "2")
		},
		want: "# c\n\n# d\nconfig a 'y'\n\nconfig a 'x'\n\toption v '2'\n",
	}, {
		name: "deleted and added again by name at the end stays in place",
		in:   "# c\nconfig a 'y'\n\n# d\nconfig a 'x'\n\toption v 1\n",
		fn: func(p *Package) error {
			p.Delete("x")
			s, err := p.AddNamed("a", "x")
			if err != nil {
				return err
			}
			return s.Set("v", "2")
		},
		want: "# c\nconfig a 'y'\n\n# d\nconfig a 'x'\n\toption v '2'\n",
	}, {
		name: "NUL joins lines: falls back to commit format",
		in:   "# c\nconfig a 'x' #\x00\n0\nconfig a 'y'\n",
		fn:   del("x"),
		want: "\nconfig a 'y'\n\n",
	}, {
		name: "rename in place",
		in:   "config a 'x'\n\toption v 1\n\nconfig a 'y'\n",
		fn:   func(p *Package) error { return p.Rename("x", "w") },
		want: "config a 'w'\n\toption v '1'\n\nconfig a 'y'\n",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &File{Package: "firewall"}
			got, err := f.edit("test", []byte(tt.in), tt.fn)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("got:\n%q\nwant:\n%q", got, tt.want)
			}
		})
	}
}

// FuzzUpdateSplice edits arbitrary parseable files (golden inputs as
// seeds): delete one section, change another, add one. The edit must
// either succeed (edit itself re-parses the result and compares it with
// the model) or be refused only because a touched section cannot be
// written in commit format at all (libuci writes types raw, uci.md §7).
func FuzzUpdateSplice(f *testing.F) {
	for _, b := range goldenInputs(f) {
		f.Add(b, uint8(0), uint8(1))
	}
	f.Add([]byte("config a 'x'; option v 1 ; config a 'y'\n"), uint8(0), uint8(1))
	f.Add([]byte("c 000000#\x00\n0"), uint8(0), uint8('d'))
	f.Fuzz(func(t *testing.T, data []byte, del, touch uint8) {
		if _, err := Parse("firewall", data); err != nil {
			return
		}
		var final []*Section
		fn := func(p *Package) error {
			if n := len(p.Sections); n > 0 && del%4 != 3 {
				p.Sections = append(p.Sections[:int(del)%n], p.Sections[int(del)%n+1:]...)
			}
			if n := len(p.Sections); n > 0 {
				if err := p.Sections[int(touch)%n].Set("fuzz", "v'1"); err != nil {
					return err
				}
			}
			s, err := p.AddNamed("rule", "fuzz_added")
			if err == nil {
				err = s.Set("src", "wan")
			}
			final = p.Sections
			return err
		}
		_, err := (&File{Package: "firewall"}).edit("fuzz", data, fn)
		if err == nil || final == nil {
			return
		}
		for _, s := range final {
			got, perr := Parse("firewall", RenderSection(s))
			if perr != nil || len(got.Sections) != 1 || !sameSection(got.Sections[0], s) {
				return // not expressible in commit format: refusal is right
			}
		}
		t.Fatalf("edit refused although every section renders faithfully: %v", err)
	})
}

// Spans that do not fit the text (a parser bug) must not panic or garble:
// the splice falls back to commit format, and edit still validates it.
func TestSpliceBadSpansFallBack(t *testing.T) {
	data := []byte("# c\nconfig a 'x'\n")
	for _, spans := range [][]Span{nil, {{Start: 4, End: 99}}, {{Start: 9, End: 4}}} {
		s := &Section{Type: "a", Name: "x", Spans: spans}
		before := snapshotSections([]*Section{s})
		n := &Section{Type: "a", Name: "y"}
		pl, err := planUpdate([]*Section{s}, before, []*Section{s, n})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := string(splice(data, pl)), "\nconfig a 'x'\n\nconfig a 'y'\n\n"; got != want {
			t.Fatalf("spans %v: got %q, want %q", spans, got, want)
		}
	}
}
