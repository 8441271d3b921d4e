package daemonlog

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
	Text   = "text"   // one line per event on stderr, level word first
	JSON   = "json"   // zerolog's JSON with a timestamp on stderr (tests, collectors)
	Syslog = "syslog" // one line per event to /dev/log at the event's priority (procd)
)

// Open returns the daemon's logger and the Level that holds its level,
// so that a HUP can change log_level for every copy of the logger handed
// out since. The logger itself lets debug events through; the
// filter drops what is below the level (only a few debug events are built
// in vain, none per packet).
//
// Format syslog is what runs under procd: OpenWrt's own daemons (netifd,
// odhcpd, dnsmasq, dropbear, hostapd) log with syslog() or ulog() to logd
// through /dev/log, each line at its own priority. procd's stdout/stderr
// capture is for programs that cannot: it knows two priorities (stdout
// info, stderr err), so warnings and notices would be lost in one of them.
// logd stamps the time, so text and syslog lines carry none.
func Open(w io.Writer, level, format string) (zerolog.Logger, *Level, error) {
	lvl, err := parseLevel(level)
	if err != nil {
		return zerolog.Nop(), nil, err
	}
	filter := &Level{}
	filter.set(lvl)
	var unavailable error // the syslog socket, when format syslog falls back to text
	switch format {
	case JSON:
		filter.next = zerolog.LevelWriterAdapter{Writer: w}
		return zerolog.New(filter).Level(zerolog.DebugLevel).With().Timestamp().Logger(), filter, nil
	case Syslog:
		sw, err := syslog.Dial(syslogPath, w)
		if err == nil {
			filter.next = sw
			break
		}
		// No syslog socket (a shell on a host): readable text on stderr
		// rather than no log at all.
		unavailable = err
		fallthrough
	case Text, "":
		filter.next = zerolog.LevelWriterAdapter{Writer: logtext.New(w)}
	default:
		return zerolog.Nop(), nil, fmt.Errorf("log format %q: want text, json or syslog", format)
	}
	log := zerolog.New(filter).Level(zerolog.DebugLevel)
	if unavailable != nil {
		log.Warn().Err(unavailable).Msg("syslog unavailable; logging to stderr")
	}
	return log, filter, nil
}

// syslogPath is the socket format syslog writes to; tests point it at
// one that does not exist.
var syslogPath = syslog.DefaultPath

func parseLevel(level string) (zerolog.Level, error) {
	lvl, err := zerolog.ParseLevel(strings.ToLower(level))
	if err != nil || level == "" || lvl < zerolog.DebugLevel || lvl > zerolog.ErrorLevel {
		return zerolog.NoLevel, fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	return lvl, nil
}

// Level is the level of a logger from Open and every copy of it: a
// zerolog.LevelWriter that drops events below the level and passes the
// rest on. The level is atomic: a HUP sets it while other goroutines log.
type Level struct {
	min  atomic.Int32
	next zerolog.LevelWriter
}

func (f *Level) set(l zerolog.Level) { f.min.Store(int32(l)) }

func (f *Level) level() zerolog.Level { return zerolog.Level(f.min.Load()) }

// Write passes an event without a level on.
func (f *Level) Write(p []byte) (int, error) { return f.next.Write(p) }

// WriteLevel passes the event on unless it is below the level.
func (f *Level) WriteLevel(l zerolog.Level, p []byte) (int, error) {
	if l != zerolog.NoLevel && l < f.level() {
		return len(p), nil
	}
	return f.next.WriteLevel(l, p)
}

// Apply makes level (knock.main.log_level, after a reload) the level
// of every copy of log, the logger Open returned with l, and says so in
// one INFO line. A level that does not parse (the config parser rejects
// it first) or is already in force changes nothing.
func (l *Level) Apply(log zerolog.Logger, level string) {
	lvl, err := parseLevel(level)
	if err != nil || lvl == l.level() {
		return
	}
	// An INFO line, shown if the old or the new level lets it through:
	// a louder level is set before it, a quieter one after.
	if lvl < l.level() {
		l.set(lvl)
	}
	log.Info().Str("option", "knock.main.log_level").Str("value", lvl.String()).Msg("log level changed")
	l.set(lvl)
}
