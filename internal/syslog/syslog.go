package syslog

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/uciknock/uciknock/internal/logtext"
)

// DefaultPath is the local syslog socket (logd's on OpenWrt).
const DefaultPath = "/dev/log"

// Syslog priorities (RFC 5424 severities) with facility daemon (3<<3).
const (
	facilityDaemon = 3 << 3
	sevCrit        = 2
	sevErr         = 3
	sevWarning     = 4
	sevInfo        = 6
	sevDebug       = 7
)

// Writer sends each event as one text line to the local syslog
// socket at the priority of its level, facility daemon, tag uciknockd:
// `logread` shows "daemon.warn uciknockd[PID]: …". The level is the
// priority, so the line does not repeat it. The datagram has the form
// syslog(3) sends, "<PRI>Mmm dd hh:mm:ss uciknockd[PID]: text", whose
// time stamp logd strips and replaces with its own.
//
// It is written here rather than with log/syslog, whose net.Dial links
// Go's DNS resolver into the binary (+320 KB on mipsle) for a socket that
// is always a local path.
type Writer struct {
	mu       sync.Mutex // guards conn and buf
	path     string
	conn     *net.UnixConn // nil until dialled, or after a failed write
	prefix   string        // " uciknockd[PID]: "
	buf      []byte        // the datagram being built: header, then the text on stderr less its level word
	fallback io.Writer     // a line syslog refused goes here (stderr → procd)
}

// Dial connects to the syslog socket at path (DefaultPath when
// empty). A write that fails (logd restarted) dials again once.
func Dial(path string, fallback io.Writer) (*Writer, error) {
	if path == "" {
		path = DefaultPath
	}
	s := &Writer{path: path, fallback: fallback, prefix: " uciknockd[" + strconv.Itoa(os.Getpid()) + "]: "}
	if err := s.dial(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Writer) dial() error {
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: s.path, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("syslog: %w", err)
	}
	s.conn = c
	return nil
}

func (s *Writer) Write(p []byte) (int, error) { return s.WriteLevel(zerolog.NoLevel, p) }

func (s *Writer) WriteLevel(l zerolog.Level, p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := append(s.buf[:0], '<')
	b = strconv.AppendInt(b, int64(facilityDaemon|severity(l)), 10)
	b = append(b, '>')
	b = time.Now().AppendFormat(b, time.Stamp)
	b = append(b, s.prefix...)
	text := len(b)
	b, ok := logtext.AppendBody(b, p) // b unchanged when p is not JSON
	if !ok {
		b = append(b, bytes.TrimRight(p, "\n")...)
	}
	s.buf = b[:0]
	if err := s.send(b); err != nil && s.fallback != nil {
		fmt.Fprintf(s.fallback, "%s %s\n", strings.ToUpper(l.String()), b[text:])
	}
	return len(p), nil
}

// send writes one datagram, dialling again once if the socket went away.
func (s *Writer) send(datagram []byte) error {
	for try := 0; ; try++ {
		if s.conn == nil {
			if err := s.dial(); err != nil {
				return err
			}
		}
		_, err := s.conn.Write(datagram)
		if err == nil || try == 1 {
			return err
		}
		s.conn.Close()
		s.conn = nil
	}
}

func severity(l zerolog.Level) int {
	switch l {
	case zerolog.TraceLevel, zerolog.DebugLevel:
		return sevDebug
	case zerolog.WarnLevel:
		return sevWarning
	case zerolog.ErrorLevel:
		return sevErr
	case zerolog.FatalLevel, zerolog.PanicLevel:
		return sevCrit
	}
	return sevInfo
}
