package knockdconf

import (
	"errors"
	"fmt"
	"strings"

	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/uci"
)

// Convert maps the file to a /etc/config/knock package. Doors that call
// the seed's uciknockd.sh open-port, close-port, forward-port or
// remove-forward-port become native open, close, forward and unforward
// actions; other doors stay command actions. Warnings list, with their
// file:line, everything that uciknockd does differently or leaves out.
// The result is checked with config.Parse; if it does not pass (knockd
// allows two doors with one sequence, uciknockd does not), the error
// names the UCI path and the knockd.conf line.
func (f *File) Convert() (*uci.Package, []string, error) {
	c := &converter{f: f, pkg: &uci.Package{Name: "knock"}, names: map[string]bool{}, lines: map[string]int{}}
	c.convert()
	if _, err := config.Parse(c.pkg); err != nil {
		var es *config.Errors
		if !errors.As(err, &es) {
			return nil, c.warns, fmt.Errorf("%s: %w", f.Name, err)
		}
		out := &Errors{}
		for _, fe := range es.List {
			out.List = append(out.List, &Error{File: f.Name, Line: c.lineOf(fe.Path),
				Msg: "cannot import: " + fe.Error()})
		}
		return nil, c.warns, out
	}
	return c.pkg, c.warns, nil
}

// lineOf finds the input line behind a UCI path, falling back from the
// option to its section.
func (c *converter) lineOf(path string) int {
	for p := path; p != ""; {
		if n, ok := c.lines[p]; ok {
			return n
		}
		i := strings.LastIndexByte(p, '.')
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 0
}

// ToUCI returns the converted configuration as `uci batch` input (pipe
// it to `uci batch`, then `uci commit knock`). Values are single-quoted,
// and a quote inside a value is closed, escaped and reopened, as uci batch
// reads it. Options, never lists, are written, so running it again over
// the same sections replaces their values instead of appending to lists.
// It only sets the sections it names: sections already in
// /etc/config/knock (such as the shipped sample's) stay; see ToUCIOver.
func (f *File) ToUCI() (batch string, warnings []string, err error) {
	return f.ToUCIOver(nil)
}

// ToUCIOver is ToUCI for replacing an existing /etc/config/knock: the batch
// first deletes every section of existing (by its real name, cfgNNHHHH for
// anonymous ones, which uci accepts), so that no old sequence, such as the
// shipped sample's well-known 7000,8000,9000, stays enabled next to the
// imported ones. A nil existing deletes nothing.
func (f *File) ToUCIOver(existing *uci.Package) (batch string, warnings []string, err error) {
	p, warnings, err := f.Convert()
	if err != nil {
		return "", warnings, err
	}
	var b strings.Builder
	if existing != nil {
		for _, s := range existing.Sections {
			fmt.Fprintf(&b, "delete %s.%s\n", p.Name, s.Name)
		}
	}
	for _, s := range p.Sections {
		fmt.Fprintf(&b, "set %s.%s=%s\n", p.Name, s.Name, s.Type)
		for _, o := range s.Options {
			fmt.Fprintf(&b, "set %s.%s.%s=%s\n", p.Name, s.Name, o.Name, quote(o.Values[0]))
		}
	}
	return b.String(), warnings, nil
}

// ToConfig returns the converted configuration as a complete
// /etc/config/knock, byte for byte what `uci commit` writes.
func (f *File) ToConfig() (text []byte, warnings []string, err error) {
	p, warnings, err := f.Convert()
	if err != nil {
		return nil, warnings, err
	}
	return p.Commit(), warnings, nil
}

// quote writes a value the way uci commit does: in single quotes, with a
// quote inside closed, backslash-escaped and reopened.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
