package daemon

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/pkg/door"
	"github.com/uciknock/uciknock/pkg/knock"
	"github.com/uciknock/uciknock/uci"
)

// optionValue is a single-value option's value ("" when absent).
func optionValue(s *uci.Section, name string) string {
	if o := s.Get(name); o != nil && len(o.Values) == 1 {
		return o.Values[0]
	}
	return ""
}

func TestStateFileName(t *testing.T) {
	for in, want := range map[string]string{
		"knock.ssh_open":      "ssh_open",
		"knock.@sequence[2]":  "sequence_2",
		"knock.@sequence[-1]": "sequence_1",
	} {
		if got := stateFileName(in); got != want {
			t.Errorf("stateFileName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDoorFor(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	src := netip.MustParseAddr("192.0.2.7")
	open := &config.Sequence{Name: "KnockSSH", Action: config.ActionOpen, Proto: config.ProtoTCP, Port: 22, SrcZone: "wan", Timeout: time.Minute}
	d := doorFor(open, src, now)
	if d.Kind != door.Rule || d.Name() != "KnockSSH_192.0.2.7_22" || !d.Expires.Equal(now.Add(time.Minute)) || d.DestIP.IsValid() {
		t.Errorf("open door = %+v", d)
	}
	fwd := &config.Sequence{Name: "KnockWeb", Action: config.ActionForward, Proto: config.ProtoTCPUDP, Port: 8080,
		SrcZone: "wan", DestZone: "lan", DestIP: netip.MustParseAddr("192.168.1.10"), DestPort: 80}
	d = doorFor(fwd, src, now)
	if d.Kind != door.Redirect || d.DestPort != 80 || d.DestZone != "lan" || d.Proto != "tcp udp" || !d.Expires.IsZero() {
		t.Errorf("forward door = %+v", d)
	}
	if _, err := d.Normalize(); err != nil {
		t.Errorf("forward door does not normalise: %v", err)
	}
}

func TestSourceOfUnmaps(t *testing.T) {
	if got := sourceOf(netip.MustParseAddr("::ffff:192.0.2.7")); got != netip.MustParseAddr("192.0.2.7") {
		t.Errorf("sourceOf = %v", got)
	}
}

func TestReadOneTimeFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "otp")
	if err := os.WriteFile(p, []byte("# used\n 7001,7002:udp\nbogus:xyz\n7003\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var warnings []string
	seqs, err := readOneTimeFile(p, func(s string) { warnings = append(warnings, s) })
	if err != nil {
		t.Fatal(err)
	}
	if len(seqs) != 2 || knock.FormatSteps(seqs[0]) != "7001:tcp,7002:udp" || knock.FormatSteps(seqs[1]) != "7003:tcp" {
		t.Errorf("sequences %v", seqs)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], p+":3:") {
		t.Errorf("warnings %q, want one naming line 3", warnings)
	}
	if _, err := readOneTimeFile(filepath.Join(dir, "missing"), func(string) {}); err == nil {
		t.Error("missing file accepted")
	}
}

// TestBatchWindowZeroIsNoBatch: batch_window '0' reaches the keeper as
// NoBatch (a zero Batch would mean the keeper's 100ms default).
func TestBatchWindowZeroIsNoBatch(t *testing.T) {
	if got := batchFor(0); got != door.NoBatch {
		t.Errorf("batchFor(0) = %v, want door.NoBatch", got)
	}
	if got := batchFor(250 * time.Millisecond); got != 250*time.Millisecond {
		t.Errorf("batchFor(250ms) = %v", got)
	}
}
