//go:build linux

package main

import (
	"bytes"
	"strings"
	"testing"
)

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
