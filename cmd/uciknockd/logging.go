package main

import (
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"github.com/rs/zerolog"

	"github.com/uciknock/uciknock/internal/logtext"
	"github.com/uciknock/uciknock/internal/syslog"
)

// Log formats of `uciknockd run --log-format`.
const (
	logText   = "text"   // one line per event on stderr, level word first
	logJSON   = "json"   // zerolog's JSON with a timestamp on stderr (tests, collectors)
	logSyslog = "syslog" // one line per event to /dev/log at the event's priority (procd)
)

// newLogger returns a logger writing to w in format at level ("syslog"
// writes to /dev/log instead, falling back to text on w).
func newLogger(w io.Writer, level, format string) (zerolog.Logger, error) {
	log, _, err := openLogger(w, level, format)
	return log, err
}

// openLogger returns the daemon's logger and the filter that holds its
// level, so that a HUP can change log_level for every copy of the logger
// handed out since. The logger itself lets debug events through; the
// filter drops what is below the level (only a few debug events are built
// in vain, none per packet).
//
// Format syslog is what runs under procd: OpenWrt's own daemons (netifd,
// odhcpd, dnsmasq, dropbear, hostapd) log with syslog() or ulog() to logd
// through /dev/log, each line at its own priority. procd's stdout/stderr
// capture is for programs that cannot: it knows two priorities (stdout
// info, stderr err), so warnings and notices would be lost in one of them.
// logd stamps the time, so text and syslog lines carry none.
func openLogger(w io.Writer, level, format string) (zerolog.Logger, *levelFilter, error) {
	lvl, err := parseLevel(level)
	if err != nil {
		return zerolog.Nop(), nil, err
	}
	filter := &levelFilter{}
	filter.set(lvl)
	switch format {
	case logJSON:
		filter.next = zerolog.LevelWriterAdapter{Writer: w}
		return zerolog.New(filter).Level(zerolog.DebugLevel).With().Timestamp().Logger(), filter, nil
	case logText, "":
		filter.next = zerolog.LevelWriterAdapter{Writer: textWriter(w)}
	case logSyslog:
		sw, err := syslog.Dial("", w)
		if err != nil {
			// No syslog socket (a shell on a host): readable text on
			// stderr rather than no log at all.
			filter.next = zerolog.LevelWriterAdapter{Writer: textWriter(w)}
			log := zerolog.New(filter).Level(zerolog.DebugLevel)
			log.Warn().Err(err).Msg("syslog unavailable; logging to stderr")
			return log, filter, nil
		}
		filter.next = sw
	default:
		return zerolog.Nop(), nil, fmt.Errorf("log format %q: want text, json or syslog", format)
	}
	return zerolog.New(filter).Level(zerolog.DebugLevel), filter, nil
}

func parseLevel(level string) (zerolog.Level, error) {
	lvl, err := zerolog.ParseLevel(strings.ToLower(level))
	if err != nil || level == "" || lvl < zerolog.DebugLevel || lvl > zerolog.ErrorLevel {
		return zerolog.NoLevel, fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	return lvl, nil
}

// textWriter formats events as "INF open rule=… src=…" lines on w:
// ConsoleWriter's text without ConsoleWriter, which decodes each event
// with encoding/json (most of what it adds to the binary).
func textWriter(w io.Writer) io.Writer {
	return logtext.New(w)
}

// levelFilter drops events below its level and passes the rest on. The
// level is atomic: a HUP sets it while other goroutines log.
type levelFilter struct {
	min  atomic.Int32
	next zerolog.LevelWriter
}

func (f *levelFilter) set(l zerolog.Level) { f.min.Store(int32(l)) }

func (f *levelFilter) level() zerolog.Level { return zerolog.Level(f.min.Load()) }

func (f *levelFilter) Write(p []byte) (int, error) { return f.next.Write(p) }

func (f *levelFilter) WriteLevel(l zerolog.Level, p []byte) (int, error) {
	if l != zerolog.NoLevel && l < f.level() {
		return len(p), nil
	}
	return f.next.WriteLevel(l, p)
}

// logLevels applies knock.main.log_level on a reload (daemon.Options.LogLevel)
// to every copy of the logger, unless --log-level was given.
type logLevels struct {
	log    zerolog.Logger
	filter *levelFilter
	fixed  string // --log-level: the command line wins, as at start
}

// apply makes level the level of every logger copy.
func (l *logLevels) apply(level string) {
	if l.filter == nil || l.fixed != "" {
		return
	}
	lvl, err := parseLevel(level)
	if err != nil || lvl == l.filter.level() {
		return // the config parser already rejected a bad level
	}
	// An INFO line, shown if the old or the new level lets it through:
	// a louder level is set before it, a quieter one after.
	if lvl < l.filter.level() {
		l.filter.set(lvl)
	}
	l.log.Info().Str("option", "knock.main.log_level").Str("value", lvl.String()).Msg("log level changed")
	l.filter.set(lvl)
}
