//go:build linux

package main

import (
	"bytes"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// TestSyslogPriorities: each level reaches syslog at its own priority,
// facility daemon (3): <31> debug, <30> info, <28> warning, <27> err;
// the text carries the fields and no level word.
func TestSyslogPriorities(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "log")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var fallback bytes.Buffer
	sw, err := dialSyslog(sock, &fallback)
	if err != nil {
		t.Fatal(err)
	}
	filter := &levelFilter{next: sw}
	filter.set(zerolog.DebugLevel)
	log := zerolog.New(filter).Level(zerolog.DebugLevel)
	log.Debug().Msg("engine")
	log.Info().Str("rule", "KnockSSH_192.0.2.7_22").Msg("open")
	log.Warn().Msg("removed")
	log.Error().Msg("reload-failed")
	for _, w := range [][2]string{{"<31>", ": engine"}, {"<30>", ": open rule=KnockSSH_192.0.2.7_22"}, {"<28>", ": removed"}, {"<27>", ": reload-failed"}} {
		buf := make([]byte, 2048)
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("reading the %s line: %v", w[1], err)
		}
		line := string(buf[:n])
		if !strings.HasPrefix(line, w[0]) || !strings.Contains(line, " uciknockd[") || !strings.HasSuffix(strings.TrimRight(line, "\n"), w[1]) {
			t.Errorf("syslog line %q, want priority %s and text %q", line, w[0], w[1])
		}
		for _, word := range []string{"DBG", "INF", "WRN", "ERR"} {
			if strings.Contains(line, word) {
				t.Errorf("syslog line %q repeats the level (%s)", line, word)
			}
		}
	}
	if fallback.Len() != 0 {
		t.Errorf("fallback used: %q", fallback.String())
	}
}

// TestSyslogFallback: when syslog refuses a line (logd gone), the line
// goes to the fallback (stderr, which procd also forwards).
func TestSyslogFallback(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "log")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	var fallback bytes.Buffer
	sw, err := dialSyslog(sock, &fallback)
	if err != nil {
		t.Fatal(err)
	}
	conn.Close() // the socket file stays, nobody reads it
	log := zerolog.New(sw)
	log.Warn().Msg("still here")
	if got := fallback.String(); got != "WARN still here\n" {
		t.Fatalf("fallback %q", got)
	}
}

// TestLogLevelOnReload: a HUP with a new log_level changes what every
// copy of the logger writes, says so once, and --log-level still wins.
func TestLogLevelOnReload(t *testing.T) {
	var buf bytes.Buffer
	log, filter, err := openLogger(&buf, "info", logJSON)
	if err != nil {
		t.Fatal(err)
	}
	d := &logLevels{log: log, filter: filter}
	copied := log.With().Str("part", "capture").Logger() // handed out before the HUP
	copied.Debug().Msg("hidden")
	d.apply("debug")
	copied.Debug().Msg("shown")
	d.apply("debug") // unchanged: no second line
	d.apply("error")
	copied.Warn().Msg("quiet")
	copied.Error().Msg("loud")
	got := buf.String()
	for _, w := range [][2]string{{`"level":"debug"`, `"message":"shown"`}, {`"level":"error"`, `"message":"loud"`}} {
		if !logHasLine(got, w[0], w[1]) {
			t.Errorf("missing %s in\n%s", w, got)
		}
	}
	if strings.Contains(got, "hidden") || strings.Contains(got, "quiet") {
		t.Errorf("filtered lines written:\n%s", got)
	}
	// debug: said (at info, set first); error: said before it went quiet.
	if n := strings.Count(got, "log level changed"); n != 2 {
		t.Errorf("%d 'log level changed' lines, want 2:\n%s", n, got)
	}

	buf.Reset()
	d.fixed = "error" // run --log-level error
	d.apply("debug")
	copied.Info().Msg("still quiet")
	if buf.Len() != 0 {
		t.Errorf("--log-level overridden by the config: %s", buf.String())
	}
}

func TestLogFormats(t *testing.T) {
	var buf bytes.Buffer
	for _, bad := range [][2]string{{"trace", "text"}, {"fatal", "text"}, {"info", "journald"}} {
		if _, _, err := openLogger(&buf, bad[0], bad[1]); err == nil {
			t.Errorf("openLogger(%q, %q) accepted", bad[0], bad[1])
		}
	}
}

// logHasLine reports whether one line of out contains every part.
func logHasLine(out string, parts ...string) bool {
	for _, l := range strings.Split(out, "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(l, p)
		}
		if all {
			return true
		}
	}
	return false
}
