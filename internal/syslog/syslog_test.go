//go:build linux

package syslog

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
	sw, err := Dial(sock, &fallback)
	if err != nil {
		t.Fatal(err)
	}
	log := zerolog.New(sw).Level(zerolog.DebugLevel)
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
	sw, err := Dial(sock, &fallback)
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
