package localtime

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSystemFollowsTZChange: a time-zone change (LuCI rewrites /etc/TZ
// while the daemon runs) takes effect at the next stop_date after a
// Check (the daemon's poll), without a restart.
func TestSystemFollowsTZChange(t *testing.T) {
	root := t.TempDir()
	tz := filepath.Join(root, "etc", "TZ")
	if err := os.MkdirAll(filepath.Dir(tz), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(tz, []byte(s+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var changes []string
	sys := &System{Root: root, Changed: func(z *Zone, err error) { changes = append(changes, z.String()) }}
	at := time.Date(2026, 11, 25, 20, 30, 0, 0, time.UTC)
	write("UTC0")
	if got := sys.StopDate(at); got != "2026-11-25T20:30:00" {
		t.Fatalf("UTC0: %s", got)
	}
	write("CET-1CEST,M3.5.0,M10.5.0/3")
	sys.Check()
	if got := sys.StopDate(at); got != "2026-11-25T21:30:00" {
		t.Fatalf("after the change to CET: %s, want 21:30 local", got)
	}
	sys.Check()
	if got := sys.StopDate(at); got != "2026-11-25T21:30:00" {
		t.Fatalf("CET again: %s", got)
	}
	// Another zone, written within the same second: still seen.
	write("EET-2EEST,M3.5.0/3,M10.5.0/4")
	// StopDate does no I/O: the zone moves at the next Check.
	if got := sys.StopDate(at); got != "2026-11-25T21:30:00" {
		t.Fatalf("EET before a Check: %s, want CET's 21:30 still", got)
	}
	sys.Check()
	if got := sys.StopDate(at); got != "2026-11-25T22:30:00" {
		t.Fatalf("after the change to EET: %s, want 22:30 local", got)
	}
	if err := os.Remove(tz); err != nil {
		t.Fatal(err)
	}
	sys.Check()
	if got := sys.StopDate(at); got != "2026-11-25T20:30:00" {
		t.Fatalf("no /etc/TZ (UTC): %s", got)
	}
	if len(changes) != 4 {
		t.Errorf("Changed called for %v, want 4 readings", changes)
	}
}
