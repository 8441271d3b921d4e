package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/uciknock/uciknock/uci"
)

// pkgFrom builds a package from a small subset of UCI syntax (config,
// option and list lines; values bare or in single quotes), enough for
// table tests that must not depend on the full parser.
func pkgFrom(t testing.TB, text string) *uci.Package {
	t.Helper()
	p := &uci.Package{Name: "knock"}
	var cur *uci.Section
	for n, line := range strings.Split(text, "\n") {
		f := fields(strings.TrimSpace(line))
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "config":
			p.Allocated++
			cur = &uci.Section{Type: f[1], Name: fmt.Sprintf("cfg%02x0000", p.Allocated), Anonymous: true}
			if len(f) > 2 {
				cur.Name, cur.Anonymous = f[2], false
			}
			p.Sections = append(p.Sections, cur)
		case "option", "list":
			if cur == nil || len(f) != 3 {
				t.Fatalf("line %d: bad test config %q", n+1, line)
			}
			setOpt(cur, f[0] == "list", f[1], f[2])
		default:
			t.Fatalf("line %d: bad test config %q", n+1, line)
		}
	}
	return p
}

func setOpt(s *uci.Section, list bool, name, v string) {
	for _, o := range s.Options {
		if o.Name == name {
			if list {
				o.Kind = uci.KindList
				o.Values = append(o.Values, v)
			} else {
				o.Kind, o.Values = uci.KindOption, []string{v}
			}
			return
		}
	}
	kind := uci.KindOption
	if list {
		kind = uci.KindList
	}
	s.Options = append(s.Options, &uci.Option{Name: name, Kind: kind, Values: []string{v}})
}

// fields splits on blanks outside single quotes.
func fields(s string) []string {
	var out []string
	var b strings.Builder
	in, have := false, false
	for _, r := range s {
		switch {
		case r == '\'':
			in, have = !in, true
		case !in && (r == ' ' || r == '\t'):
			if have {
				out = append(out, b.String())
				b.Reset()
				have = false
			}
		default:
			b.WriteRune(r)
			have = true
		}
	}
	if have {
		out = append(out, b.String())
	}
	return out
}

// parseText parses test config text.
func parseText(t testing.TB, text string) (*Config, error) {
	t.Helper()
	return Parse(pkgFrom(t, text))
}

// mustParse parses text that must be valid.
func mustParse(t testing.TB, text string) *Config {
	t.Helper()
	c, err := parseText(t, text)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

// fieldErrors returns the "path: msg" lines of err, failing on other errors.
func fieldErrors(t testing.TB, err error) []string {
	t.Helper()
	var es *Errors
	if !errors.As(err, &es) {
		t.Fatalf("error %v (%T) is not *Errors", err, err)
	}
	var out []string
	for _, fe := range es.List {
		out = append(out, fe.Error())
	}
	return out
}
