package logtext

import (
	"bytes"
	"io"
	"sort"
	"strconv"
	"sync"

	"github.com/rs/zerolog"

	"github.com/uciknock/uciknock/internal/jsonscan"
)

// Writer writes each zerolog event it is given as one text line to Out.
// It is safe for concurrent use when Out is (zerolog serialises nothing
// itself; each Write is one whole event).
type Writer struct {
	out io.Writer
	mu  sync.Mutex // guards buf
	buf []byte
}

// New returns a Writer to out.
func New(out io.Writer) *Writer { return &Writer{out: out} }

// Write converts one JSON event. It reports len(p) written when the line
// went out, converted or not.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	line, ok := Append(w.buf[:0], p)
	if !ok {
		line = append(w.buf[:0], p...)
	}
	w.buf = line[:0]
	if _, err := w.out.Write(line); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Append appends the text form of the JSON event p (with its newline) to
// dst; ok is false if p is not a JSON object.
func Append(dst, p []byte) ([]byte, bool) {
	dst, ok := appendEvent(dst, p, true)
	if !ok {
		return dst, false
	}
	return append(dst, '\n'), true
}

// AppendBody is Append without the level word and the newline: the line
// for a log whose priority already says the level (syslog).
func AppendBody(dst, p []byte) ([]byte, bool) {
	return appendEvent(dst, p, false)
}

func appendEvent(dst, p []byte, withLevel bool) ([]byte, bool) {
	ms, err := jsonscan.Object(p)
	if err != nil {
		return dst, false
	}
	var fields []jsonscan.Member
	var level, msg string
	hasLevel := false
	for i, m := range ms {
		if _, later := jsonscan.Get(ms[i+1:], m.Key); later {
			continue // duplicate keys: the last wins, as in a decoded map
		}
		switch m.Key {
		case zerolog.LevelFieldName:
			level, hasLevel = m.String(), true
		case zerolog.MessageFieldName:
			msg = m.String()
		case zerolog.TimestampFieldName, zerolog.CallerFieldName:
		default:
			fields = append(fields, m)
		}
	}
	start := len(dst)
	if withLevel {
		dst = append(dst, levelText(level, hasLevel)...)
	}
	if msg != "" {
		dst = appendSep(dst, start)
		dst = append(dst, msg...)
	}
	sort.SliceStable(fields, func(i, j int) bool {
		ei, ej := fields[i].Key == zerolog.ErrorFieldName, fields[j].Key == zerolog.ErrorFieldName
		if ei != ej {
			return ei
		}
		return fields[i].Key < fields[j].Key
	})
	for _, f := range fields {
		dst = appendSep(dst, start)
		dst = append(dst, f.Key...)
		dst = append(dst, '=')
		if !f.IsString() {
			dst = append(dst, f.Raw...)
			continue
		}
		s := f.String()
		if needsQuote(s) {
			dst = strconv.AppendQuote(dst, s)
		} else {
			dst = append(dst, s...)
		}
	}
	return dst, true
}

func appendSep(dst []byte, start int) []byte {
	if len(dst) > start {
		dst = append(dst, ' ')
	}
	return dst
}

// levelText is ConsoleWriter's short level: INF, WRN, …; an unknown name
// cut to three letters in capitals, none at all as "???".
func levelText(level string, ok bool) string {
	if !ok || level == "" {
		return "???"
	}
	if l, err := zerolog.ParseLevel(level); err == nil {
		if s, ok := zerolog.FormattedLevels[l]; ok {
			return s
		}
	}
	if len(level) > 3 {
		level = level[:3]
	}
	return string(bytes.ToUpper([]byte(level)))
}

// needsQuote is ConsoleWriter's rule for quoting a string value.
func needsQuote(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == ' ' || c == '\\' || c == '"' {
			return true
		}
	}
	return false
}
