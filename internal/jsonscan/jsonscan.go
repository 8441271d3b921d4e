package jsonscan

import (
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// Member is one key of an object and the raw text of its value.
type Member struct {
	Key string
	Raw []byte // `"text"`, `12`, `true`, `null`, `{…}`, `[…]`
}

// IsString reports whether the value is a JSON string.
func (m Member) IsString() bool { return len(m.Raw) > 0 && m.Raw[0] == '"' }

// String returns a string value unescaped, and any other value's raw text.
func (m Member) String() string {
	if !m.IsString() {
		return string(m.Raw)
	}
	if s, err := unquote(m.Raw); err == nil {
		return s
	}
	return string(m.Raw)
}

// Object returns the members of the JSON object in b, in order. Trailing
// white space is allowed, anything else after the object is an error.
func Object(b []byte) ([]Member, error) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, errors.New("jsonscan: not an object")
	}
	var ms []Member
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return ms, trailing(b, i+1)
	}
	for {
		i = skipSpace(b, i)
		end, err := scanValue(b, i)
		if err != nil {
			return nil, err
		}
		if b[i] != '"' {
			return nil, fmt.Errorf("jsonscan: offset %d: key is not a string", i)
		}
		key, err := unquote(b[i:end])
		if err != nil {
			return nil, fmt.Errorf("jsonscan: offset %d: %w", i, err)
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return nil, fmt.Errorf("jsonscan: offset %d: want ':'", i)
		}
		i = skipSpace(b, i+1)
		end, err = scanValue(b, i)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Member{Key: key, Raw: b[i:end]})
		i = skipSpace(b, end)
		if i >= len(b) {
			return nil, errors.New("jsonscan: object not closed")
		}
		switch b[i] {
		case ',':
			i++
		case '}':
			return ms, trailing(b, i+1)
		default:
			return nil, fmt.Errorf("jsonscan: offset %d: want ',' or '}'", i)
		}
	}
}

// Get returns the last member named key (JSON decoders keep the last of
// duplicate keys) and whether there is one.
func Get(ms []Member, key string) (Member, bool) {
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Key == key {
			return ms[i], true
		}
	}
	return Member{}, false
}

func trailing(b []byte, i int) error {
	if i = skipSpace(b, i); i != len(b) {
		return fmt.Errorf("jsonscan: offset %d: data after the object", i)
	}
	return nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanValue returns the end of the value that starts at b[i].
func scanValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errors.New("jsonscan: value missing")
	}
	switch b[i] {
	case '"':
		for j := i + 1; j < len(b); j++ {
			switch b[j] {
			case '\\':
				j++
			case '"':
				return j + 1, nil
			}
		}
		return 0, fmt.Errorf("jsonscan: offset %d: string not terminated", i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, err := scanValue(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					if (b[i] == '{') != (b[j] == '}') {
						return 0, fmt.Errorf("jsonscan: offset %d: mismatched %c", j, b[j])
					}
					return j + 1, nil
				}
			}
		}
		return 0, fmt.Errorf("jsonscan: offset %d: %c not closed", i, b[i])
	case ',', ':', '}', ']':
		return 0, fmt.Errorf("jsonscan: offset %d: value missing", i)
	default:
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ':' &&
			b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' && b[j] != '"' {
			j++
		}
		return j, nil
	}
}

// unquote decodes a JSON string as encoding/json does: the escapes of
// RFC 8259, UTF-16 surrogate pairs joined, lone surrogates and invalid
// UTF-8 turned into U+FFFD.
func unquote(raw []byte) (string, error) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", errors.New("not a string")
	}
	s := raw[1 : len(raw)-1]
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) {
				return "", errors.New("escape at the end")
			}
			e := s[i+1]
			i += 2
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, ok := hex4(s[i:])
				if !ok {
					return "", errors.New("bad \\u escape")
				}
				i += 4
				if utf16.IsSurrogate(r) {
					r2, ok := rune(-1), false
					if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
						r2, ok = hex4(s[i+2:])
					}
					if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
						r = dec
						i += 6
					} else {
						r = utf8.RuneError
					}
				}
				out = utf8.AppendRune(out, r)
			default:
				return "", fmt.Errorf("invalid escape \\%c", e)
			}
		case c < 0x20:
			return "", errors.New("control character in a string")
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			out = utf8.AppendRune(out, r) // RuneError for invalid bytes
			i += size
		}
	}
	return string(out), nil
}

func hex4(s []byte) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range s[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
