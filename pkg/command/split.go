package command

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// SyntaxError is a command line Split refuses.
type SyntaxError struct {
	Line   string
	Offset int // byte offset in Line
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("command %q: byte %d: %s", e.Line, e.Offset, e.Msg)
}

const shellHint = "; commands run without a shell, write sh -c '...' to use one"

// Split splits a command line into arguments by the rules in the package
// documentation. It never expands anything.
func Split(line string) ([]string, error) {
	s := splitter{line: line}
	argv, err := s.run()
	if err != nil {
		return nil, err
	}
	if len(argv) == 0 {
		return nil, &SyntaxError{Line: line, Msg: "empty command"}
	}
	return argv, nil
}

type splitter struct {
	line string
	i    int
	word strings.Builder
	in   bool // a word has started (even an empty one: "")
	argv []string
}

func (s *splitter) fail(at int, format string, args ...any) error {
	return &SyntaxError{Line: s.line, Offset: at, Msg: fmt.Sprintf(format, args...)}
}

func (s *splitter) end() {
	if s.in {
		s.argv = append(s.argv, s.word.String())
		s.word.Reset()
		s.in = false
	}
}

func (s *splitter) run() ([]string, error) {
	for s.i < len(s.line) {
		c := s.line[s.i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			s.end()
			s.i++
		case c == '\'':
			if err := s.single(); err != nil {
				return nil, err
			}
		case c == '"':
			if err := s.double(); err != nil {
				return nil, err
			}
		case c == '\\':
			if s.i+1 >= len(s.line) {
				return nil, s.fail(s.i, "backslash at the end of the line")
			}
			if s.line[s.i+1] != '\n' {
				s.word.WriteByte(s.line[s.i+1])
				s.in = true
			}
			s.i += 2
		case c == '#' && !s.in:
			return nil, s.fail(s.i, "'#' would start a shell comment%s (quote it to mean '#')", shellHint)
		case strings.IndexByte("|&;<>()", c) >= 0:
			return nil, s.fail(s.i, "%q is shell syntax%s", operatorAt(s.line, s.i), shellHint)
		case c == '$' || c == '`':
			return nil, s.fail(s.i, "%q would be expanded by a shell%s (quote it with '...' to mean it literally)", string(c), shellHint)
		default:
			s.word.WriteByte(c)
			s.in = true
			s.i++
		}
	}
	s.end()
	return s.argv, nil
}

func operatorAt(line string, i int) string {
	for _, op := range []string{"&&", "||", ">>", "<<", "$("} {
		if strings.HasPrefix(line[i:], op) {
			return op
		}
	}
	return line[i : i+1]
}

func (s *splitter) single() error {
	start := s.i
	end := strings.IndexByte(s.line[s.i+1:], '\'')
	if end < 0 {
		return s.fail(start, "unterminated single quote")
	}
	s.word.WriteString(s.line[s.i+1 : s.i+1+end])
	s.in = true
	s.i += end + 2
	return nil
}

func (s *splitter) double() error {
	start := s.i
	s.in = true
	for s.i++; s.i < len(s.line); s.i++ {
		c := s.line[s.i]
		switch c {
		case '"':
			s.i++
			return nil
		case '\\':
			if s.i+1 < len(s.line) {
				switch n := s.line[s.i+1]; n {
				case '"', '\\', '$', '`':
					s.word.WriteByte(n)
					s.i++
					continue
				case '\n':
					s.i++
					continue
				}
			}
			s.word.WriteByte(c)
		case '$', '`':
			return s.fail(s.i, "%q inside double quotes would be expanded by a shell%s (use '...' or \\%c)", string(c), shellHint, c)
		default:
			s.word.WriteByte(c)
		}
	}
	return s.fail(start, "unterminated double quote")
}

// Placeholder is replaced by the knocking address in every argument.
const Placeholder = "%IP%"

// ErrBadAddress is returned for an invalid address when a command uses
// %IP%.
var ErrBadAddress = errors.New("command: %IP% needs a valid address")

// IPText is the text that replaces %IP%: the address without its IPv6
// zone. It returns ErrBadAddress for the zero Addr.
func IPText(ip netip.Addr) (string, error) {
	if !ip.IsValid() {
		return "", ErrBadAddress
	}
	s := ip.WithZone("").String()
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == '.' || c == ':') {
			// netip never prints anything else; refuse rather than trust.
			return "", fmt.Errorf("%w: unexpected %q in %q", ErrBadAddress, c, s)
		}
	}
	return s, nil
}

// Expand returns a copy of argv with every %IP% replaced by IPText(ip),
// argument by argument, so the number of arguments never changes. An
// argv without %IP% is returned (copied) even for an invalid ip.
func Expand(argv []string, ip netip.Addr) ([]string, error) {
	out := make([]string, len(argv))
	var text string
	for i, a := range argv {
		if strings.Contains(a, Placeholder) {
			if text == "" {
				t, err := IPText(ip)
				if err != nil {
					return nil, err
				}
				text = t
			}
			a = strings.ReplaceAll(a, Placeholder, text)
		}
		out[i] = a
	}
	return out, nil
}
