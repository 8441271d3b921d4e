package daemonlog

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// TestLogLevelOnReload: a HUP with a new log_level changes what every
// copy of the logger writes, and says so once.
func TestLogLevelOnReload(t *testing.T) {
	var buf bytes.Buffer
	log, level, err := Open(&buf, "info", JSON)
	if err != nil {
		t.Fatal(err)
	}
	copied := log.With().Str("part", "capture").Logger() // handed out before the HUP
	copied.Debug().Msg("hidden")
	level.Apply(log, "debug")
	copied.Debug().Msg("shown")
	level.Apply(log, "debug") // unchanged: no second line
	level.Apply(log, "error")
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
}

func TestLogFormats(t *testing.T) {
	var buf bytes.Buffer
	for _, bad := range [][2]string{{"trace", "text"}, {"fatal", "text"}, {"info", "journald"}} {
		if _, _, err := Open(&buf, bad[0], bad[1]); err == nil {
			t.Errorf("Open(%q, %q) accepted", bad[0], bad[1])
		}
	}
}

// TestSyslogUnavailable: format syslog without a syslog socket logs
// text to stderr, after one warning that says why.
func TestSyslogUnavailable(t *testing.T) {
	saved := syslogPath
	syslogPath = filepath.Join(t.TempDir(), "no-log")
	defer func() { syslogPath = saved }()
	var buf bytes.Buffer
	log, _, err := Open(&buf, "info", Syslog)
	if err != nil {
		t.Fatal(err)
	}
	log.Debug().Msg("hidden")
	log.Info().Str("rule", "KnockSSH_192.0.2.7_22").Msg("open")
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "WRN syslog unavailable; logging to stderr error=") ||
		!strings.Contains(lines[0], "no-log") || lines[1] != "INF open rule=KnockSSH_192.0.2.7_22" {
		t.Errorf("stderr:\n%s", buf.String())
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

func TestNew(t *testing.T) {
	var buf bytes.Buffer
	log, _, err := Open(&buf, "info", "text")
	if err != nil {
		t.Fatal(err)
	}
	log.Debug().Msg("hidden")
	log.Info().Str("rule", "KnockSSH_192.0.2.7_22").Msg("open")
	if got := buf.String(); strings.Contains(got, "hidden") || !strings.Contains(got, "open rule=KnockSSH_192.0.2.7_22") || strings.Count(got, "\n") != 1 {
		t.Errorf("log output %q", got)
	}
	for _, bad := range [][2]string{{"loud", "text"}, {"", "text"}, {"info", "xml"}} {
		if _, _, err := Open(&buf, bad[0], bad[1]); err == nil {
			t.Errorf("Open(%q, %q) accepted", bad[0], bad[1])
		}
	}
}
