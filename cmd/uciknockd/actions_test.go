package main

import (
	"bytes"
	"context"
	"net/netip"
	"path/filepath"
	"strings"
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
