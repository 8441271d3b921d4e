//go:build !windows && !plan9

package main

import (
	"bytes"
	"fmt"
	"io"
	"log/syslog"
	"strings"
	"sync"

	"github.com/rs/zerolog"
)

// syslogWriter sends each event as one text line to syslog (logd on
// OpenWrt) at the priority of its level, facility daemon, tag uciknockd:
// `logread` shows "daemon.warn uciknockd[PID]: …". The level is the
// priority, so the line does not repeat it.
type syslogWriter struct {
	mu       sync.Mutex // guards buf (filled by text) and the syslog connection
	sl       *syslog.Writer
	buf      bytes.Buffer
	text     zerolog.ConsoleWriter // writes into buf
	fallback io.Writer             // a line syslog refused goes here (stderr → procd)
}

// dialSyslog connects to the syslog socket (network and addr empty: the
// local one, /dev/log). log/syslog reconnects by itself when logd was
// restarted.
func dialSyslog(network, addr string, fallback io.Writer) (*syslogWriter, error) {
	sl, err := syslog.Dial(network, addr, syslog.LOG_DAEMON|syslog.LOG_INFO, "uciknockd")
	if err != nil {
		return nil, err
	}
	s := &syslogWriter{sl: sl, fallback: fallback}
	s.text = zerolog.ConsoleWriter{Out: &s.buf, NoColor: true,
		PartsExclude: []string{zerolog.TimestampFieldName, zerolog.LevelFieldName}}
	return s, nil
}

func (s *syslogWriter) Write(p []byte) (int, error) { return s.WriteLevel(zerolog.NoLevel, p) }

func (s *syslogWriter) WriteLevel(l zerolog.Level, p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf.Reset()
	if _, err := s.text.Write(p); err != nil {
		return 0, err
	}
	msg := strings.TrimRight(s.buf.String(), "\n")
	var err error
	switch l {
	case zerolog.TraceLevel, zerolog.DebugLevel:
		err = s.sl.Debug(msg)
	case zerolog.WarnLevel:
		err = s.sl.Warning(msg)
	case zerolog.ErrorLevel:
		err = s.sl.Err(msg)
	case zerolog.FatalLevel:
		err = s.sl.Crit(msg)
	case zerolog.PanicLevel:
		err = s.sl.Emerg(msg)
	default:
		err = s.sl.Info(msg)
	}
	if err != nil && s.fallback != nil {
		fmt.Fprintf(s.fallback, "%s %s\n", strings.ToUpper(l.String()), msg)
	}
	return len(p), nil
}
