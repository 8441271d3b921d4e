package daemon

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/pkg/door"
	"github.com/uciknock/uciknock/pkg/knock"
	"github.com/uciknock/uciknock/uci"
)

type nopReloader struct{}

func (nopReloader) Check(context.Context) error  { return nil }
func (nopReloader) Reload(context.Context) error { return nil }

// TestForwardFamilyMismatchLoggedOnce: a forward knocked from the other
// address family than its dest_ip is an expected, documented case: one
// WARN line per sequence and source, never ERROR, however often it is
// knocked.
func TestForwardFamilyMismatchLoggedOnce(t *testing.T) {
	k, err := door.New(door.Config{Store: &uci.File{Path: filepath.Join(t.TempDir(), "firewall"), Package: "firewall"},
		Reloader: nopReloader{}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	a := &actor{log: zerolog.New(&buf), keeper: k}
	seq := &config.Sequence{Path: "knock.web", Name: "KnockWeb", Action: config.ActionForward, Proto: "tcp", Port: 8080,
		DestIP: netip.MustParseAddr("192.168.1.10"), DestPort: 80, Timeout: time.Minute}
	cfg := &config.Config{}
	for i := 0; i < 5; i++ {
		a.act(cfg, seq, knock.Event{Src: netip.MustParseAddr("2001:db8::7"), Time: time.Now()}, nil)
	}
	a.act(cfg, seq, knock.Event{Src: netip.MustParseAddr("2001:db8::8"), Time: time.Now()}, nil)
	out := buf.String()
	if strings.Contains(out, `"level":"error"`) {
		t.Errorf("family mismatch logged at ERROR:\n%s", out)
	}
	if n := strings.Count(out, "other address family"); n != 2 {
		t.Errorf("%d mismatch lines for 6 knocks from 2 sources, want 2:\n%s", n, out)
	}
	if !strings.Contains(out, `"level":"warn"`) {
		t.Errorf("no WARN line:\n%s", out)
	}
}

// TestStopDateFollowsTZChange: the stop_date the keeper writes follows a
// time-zone change made while the daemon runs (/etc/TZ rewritten by LuCI);
// it was read once at start and stayed off by the zone difference.
func TestStopDateFollowsTZChange(t *testing.T) {
	root := t.TempDir()
	tz := filepath.Join(root, "etc", "TZ")
	if err := os.MkdirAll(filepath.Dir(tz), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tz, []byte("UTC0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{}
	cfg.Global.Reload = []string{"true"}
	changed := 0
	_, limit, zoneCheck, err := firewallFor(root, cfg, zerolog.Nop(), func() { changed++ })
	if err != nil {
		t.Fatal(err)
	}
	if limit.Local == nil || zoneCheck == nil {
		t.Fatal("no local stop_date or no zone check")
	}
	at := time.Date(2026, 11, 25, 20, 30, 0, 0, time.UTC)
	if got := limit.Local(at); got != "2026-11-25T20:30:00" {
		t.Fatalf("UTC: %s", got)
	}
	if err := os.WriteFile(tz, []byte("CET-1CEST,M3.5.0,M10.5.0/3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	zoneCheck() // the daemon's 2 s poll
	if got := limit.Local(at); got != "2026-11-25T21:30:00" {
		t.Fatalf("after a change to CET: %s, want 2026-11-25T21:30:00", got)
	}
	if changed != 1 {
		t.Errorf("zone change reported %d times, want 1 (the keeper rewrites every stop_date then)", changed)
	}
}

// TestPendingStopsDoNotBlockCommands: sixteen completions from one address
// leave one pending stop command (the last), not sixteen, and the slots
// cap only commands that run: another source's command still runs.
func TestPendingStopsDoNotBlockCommands(t *testing.T) {
	var buf syncBuffer
	c := newCommands(zerolog.New(&buf), 10*time.Second)
	seq := &config.Sequence{Path: "knock.cmd", Name: "Cmd", Action: config.ActionCommand,
		Start: []string{"true"}, Stop: []string{"true"}, CmdTimeout: time.Hour}
	a, b := netip.MustParseAddr("192.0.2.7"), netip.MustParseAddr("192.0.2.8")
	waitIdle := func() {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for c.sched.Running() > 0 {
			if time.Now().After(deadline) {
				t.Fatal("commands still running after 10s")
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	for i := 0; i < 2*maxCommands; i++ {
		c.start(seq, a)
		waitIdle()
	}
	if n := c.sched.Pending(); n != 1 {
		t.Errorf("%d pending stop commands for one (sequence, source), want 1", n)
	}
	c.start(seq, b)
	waitIdle()
	if n := c.sched.Pending(); n != 2 {
		t.Errorf("another source's command did not run: %d pending stops, want 2\n%s", n, buf.String())
	}
	if strings.Contains(buf.String(), "too many commands") {
		t.Errorf("commands refused:\n%s", buf.String())
	}
	c.shutdown(time.Now().Add(10 * time.Second))
}

// syncBuffer is a bytes.Buffer for loggers written from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
