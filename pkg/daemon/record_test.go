package daemon

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/pkg/knock"
	"github.com/uciknock/uciknock/uci"
)

const onceSection = "\nconfig sequence\n\toption name 'Once'\n\toption dest_port '22'\n\tlist one_time_sequences '7301:udp 7302:udp'\n\tlist one_time_sequences '7303:udp 7304:udp'\n"

func parseKnockConfig(t *testing.T, text string) *config.Config {
	t.Helper()
	p, err := uci.Parse("knock", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(p)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// knockOnce sends the knocks of one list and returns the names of the
// sequences completed, storing their uses as the matcher does.
func knockOnce(t *testing.T, e *knock.Engine, at time.Time, ports ...uint16) []string {
	t.Helper()
	var names []string
	for i, p := range ports {
		k := knock.Knock{Src: netip.MustParseAddr("192.0.2.7"), Proto: knock.ProtoUDP, Port: p, Time: at.Add(time.Duration(i) * time.Millisecond)}
		for _, ev := range e.Handle(k, nil) {
			if ev.Use != nil {
				if err := ev.Use.Store(); err != nil {
					t.Fatal(err)
				}
			}
			names = append(names, ev.Name)
		}
	}
	return names
}

func build(t *testing.T, cfg *config.Config, dir string) (*knock.Engine, []string) {
	t.Helper()
	var warnings []string
	e, err := buildEngine(cfg, dir, func(w string) { warnings = append(warnings, w) })
	if err != nil {
		t.Fatal(err)
	}
	return e, warnings
}

// A used one-time sequence stays used when an earlier anonymous section
// is added or deleted (issue 10 item 1: records were keyed by position).
func TestOneTimeRecordSurvivesRenumbering(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	e, _ := build(t, parseKnockConfig(t, onceSection), dir)
	if got := knockOnce(t, e, now, 7301, 7302); len(got) != 1 {
		t.Fatalf("first use: %v", got)
	}
	other := "\nconfig sequence\n\toption name 'Other'\n\toption dest_port '23'\n\tlist one_time_sequences '7401:udp 7402:udp'\n"
	for _, text := range []string{other + onceSection, onceSection} {
		e, _ = build(t, parseKnockConfig(t, text), dir)
		if got := knockOnce(t, e, now.Add(time.Second), 7301, 7302); len(got) != 0 {
			t.Errorf("used list accepted again after renumbering: %v", got)
		}
	}
}

// Records written under the old position-keyed name are carried over,
// with a warning, and an earlier version of the sequence's record too.
func TestOneTimeRecordMigration(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sequence_0.used"), []byte("# old\n7301:udp,7302:udp\n9999:tcp\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := parseKnockConfig(t, onceSection)
	e, warnings := build(t, cfg, dir)
	if len(warnings) != 1 || !strings.Contains(warnings[0], "knock.@sequence[0]: 1 used record(s) carried over") || !strings.Contains(warnings[0], "sequence_0.used") {
		t.Errorf("warnings %q", warnings)
	}
	now := time.Now()
	if got := knockOnce(t, e, now, 7301, 7302); len(got) != 0 {
		t.Errorf("list used under the old file name accepted: %v", got)
	}
	if got := knockOnce(t, e, now.Add(time.Second), 7303, 7304); len(got) != 1 {
		t.Fatalf("next list: %v", got)
	}
	// Editing the lists renames the record; what was used stays used.
	edited := strings.Replace(onceSection, "\tlist one_time_sequences '7303:udp 7304:udp'\n", "\tlist one_time_sequences '7303:udp 7304:udp'\n\tlist one_time_sequences '7305:udp 7306:udp'\n", 1)
	e, _ = build(t, parseKnockConfig(t, edited), dir)
	for _, used := range [][]uint16{{7301, 7302}, {7303, 7304}} {
		if got := knockOnce(t, e, now.Add(2*time.Second), used...); len(got) != 0 {
			t.Errorf("used list %v accepted after an edit: %v", used, got)
		}
	}
	if got := knockOnce(t, e, now.Add(3*time.Second), 7305, 7306); len(got) != 1 {
		t.Errorf("new list: %v", got)
	}
}

// @sequence[0] and a section named sequence_0 shared one file before.
func TestOneTimeRecordsDistinct(t *testing.T) {
	dir := t.TempDir()
	text := onceSection + "\nconfig sequence 'sequence_0'\n\toption dest_port '23'\n\tlist one_time_sequences '7501:udp 7502:udp'\n"
	e, _ := build(t, parseKnockConfig(t, text), dir)
	now := time.Now()
	if got := knockOnce(t, e, now, 7301, 7302); len(got) != 1 {
		t.Fatal(got)
	}
	if got := knockOnce(t, e, now.Add(time.Second), 7501, 7502); len(got) != 1 {
		t.Fatal(got)
	}
	e, _ = build(t, parseKnockConfig(t, text), dir)
	for _, used := range [][]uint16{{7301, 7302}, {7501, 7502}} {
		if got := knockOnce(t, e, now.Add(2*time.Second), used...); len(got) != 0 {
			t.Errorf("used list %v accepted after a restart: %v", used, got)
		}
	}
}

// `check` refuses a state_dir that a reboot empties when one-time or TOTP
// sequences need it (issue 10 item 1), and accepts it otherwise.
func TestCheckRefusesVolatileStateDir(t *testing.T) {
	if fsType, ok := volatileDir("/dev/shm"); !ok || fsType != "tmpfs" {
		t.Skip("/dev/shm is not tmpfs here")
	}
	dir := t.TempDir()
	write := func(text string) string {
		p := filepath.Join(dir, "knock")
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	global := "config knockd 'main'\n\toption state_dir '/dev/shm/uciknock-test-missing/knock'\n"
	_, err := Check(write(global+onceSection), func(string) {})
	if err == nil || !strings.Contains(err.Error(), "knock.main.state_dir: /dev/shm/uciknock-test-missing/knock is on tmpfs") || !strings.Contains(err.Error(), "knock.@sequence[0]") {
		t.Errorf("check = %v", err)
	}
	plain := "\nconfig sequence\n\toption name 'Plain'\n\toption dest_port '22'\n\toption sequence '7000 8000'\n"
	if _, err := Check(write(global+plain), func(string) {}); err != nil {
		t.Errorf("check without one-time sequences: %v", err)
	}
	if _, err := Check(write(onceSection), func(string) {}); err != nil {
		t.Errorf("check with the default state_dir: %v", err)
	}
}
