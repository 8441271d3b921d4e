package door

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/testenv"
	"github.com/uciknock/uciknock/pkg/localtime"
	"github.com/uciknock/uciknock/uci"
)

// TestGoldenShapes checks that the sections we write have the shape of
// the knock sections in testdata/fw4 (the golden corpus) that the real fw4 turned
// into working nft rules (nft -c passed, the expected rule is in
// ruleset.nft). One subtest per case relied on.
func TestGoldenShapes(t *testing.T) {
	dir := testenv.GoldenDir(t, "fw4")
	a := netip.MustParseAddr
	utc := TimeLimit{Local: func(t time.Time) string { return t.UTC().Format(localtime.StopDateLayout) }}
	tests := []struct {
		dir, section string
		door         Door
		limit        TimeLimit
		// ignore: options of the case that we deliberately write differently
		// (027's name does not follow Prefix_IP_port); extra: options we add
		// beyond the case, besides the marker.
		ignore, extra []string
		nft           []string // lines fw4 rendered for the section
	}{
		{dir: "004-knock-family-ipv4", section: "knock_192_0_2_7_22",
			door: Door{Prefix: "KnockSSH", Src: a("192.0.2.7"), Port: 22},
			nft:  []string{`ip saddr 192.0.2.7 tcp dport 22 counter accept comment "!fw4: KnockSSH_192.0.2.7_22"`}},
		{dir: "005-knock-proto-tcp-udp", section: "knock_192_0_2_7_53",
			door: Door{Prefix: "KnockDNS", Src: a("192.0.2.7"), Port: 53, Proto: "tcp udp"},
			nft: []string{`ip saddr 192.0.2.7 tcp dport 53 counter accept comment "!fw4: KnockDNS_192.0.2.7_53"`,
				`ip saddr 192.0.2.7 udp dport 53 counter accept comment "!fw4: KnockDNS_192.0.2.7_53"`}},
		{dir: "010-knock-several", section: "knock_2001_db8__7_22",
			door: Door{Prefix: "KnockSSH", Src: a("2001:db8::7"), Port: 22},
			nft:  []string{`ip6 saddr 2001:db8::7 tcp dport 22 counter accept comment "!fw4: KnockSSH_2001:db8::7_22"`}},
		{dir: "008-knock-redirect-no-reflection", section: "knockfwd_198_51_100_20_2222",
			door: Door{Kind: Redirect, Prefix: "KnockFwd", Src: a("198.51.100.20"), Port: 2222, DestIP: a("192.168.1.10"), DestPort: 22},
			nft:  []string{`ip saddr 198.51.100.20 tcp dport 2222 counter dnat 192.168.1.10:22 comment "!fw4: KnockFwd_198.51.100.20_2222"`}},
		{dir: "027-knock-redirect-ipv6", section: "knockfwd6",
			door:   Door{Kind: Redirect, Prefix: "KnockFwd6", Src: a("2001:db8::9"), Port: 2222, DestIP: a("2001:db8:0:10::10"), DestPort: 22},
			ignore: []string{"name"}, extra: []string{"reflection"}, // 008 shows reflection '0' loads
			nft: []string{`ip6 saddr 2001:db8::9 tcp dport 2222 counter dnat [2001:db8:0:10::10]:22 comment "!fw4: KnockFwd6"`}},
		{dir: "030-knock-time-limited", section: "knock_KnockSSH_192_0_2_8_22", limit: utc,
			door: Door{Prefix: "KnockSSH", Src: a("192.0.2.8"), Port: 22, Expires: time.Date(2026, 11, 25, 21, 30, 0, 0, time.UTC)},
			nft:  []string{`ip saddr 192.0.2.8 tcp dport 22 meta time <= "2026-11-25 21:30:00" counter accept comment "!fw4: KnockSSH_192.0.2.8_22"`}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			caseDir := filepath.Join(dir, tt.dir)
			data, err := os.ReadFile(filepath.Join(caseDir, "firewall"))
			if err != nil {
				t.Fatal(err)
			}
			p, err := uci.Parse("firewall", data)
			if err != nil {
				t.Fatal(err)
			}
			golden := p.Section(tt.section)
			if golden == nil {
				t.Fatalf("case has no section %s", tt.section)
			}
			d, err := tt.door.Normalize()
			if err != nil {
				t.Fatal(err)
			}
			ours := Section(d, tt.limit)
			if ours.Type != golden.Type {
				t.Fatalf("type %s, case %s", ours.Type, golden.Type)
			}
			compareOptions(t, golden, ours, tt.ignore, append(tt.extra, MarkerOption))
			checkRendered(t, caseDir, tt.nft)
		})
	}
}

func compareOptions(t *testing.T, golden, ours *uci.Section, ignore, extra []string) {
	t.Helper()
	skip := make(map[string]bool)
	for _, k := range ignore {
		skip[k] = true
	}
	mayAdd := make(map[string]bool)
	for _, k := range extra {
		mayAdd[k] = true
	}
	for _, o := range golden.Options {
		if skip[o.Name] {
			continue
		}
		got := ours.Get(o.Name)
		if got == nil || got.Kind != o.Kind || strings.Join(got.Values, "\x00") != strings.Join(o.Values, "\x00") {
			t.Errorf("option %s: ours %v, case %v\nours:\n%s", o.Name, got, o.Values, uci.RenderSection(ours))
		}
	}
	for _, o := range ours.Options {
		if golden.Get(o.Name) == nil && !mayAdd[o.Name] && !skip[o.Name] {
			t.Errorf("we write option %s that the case does not have", o.Name)
		}
	}
}

// checkRendered makes sure the case is one fw4 turned into working rules.
func checkRendered(t *testing.T, caseDir string, lines []string) {
	t.Helper()
	check, err := os.ReadFile(filepath.Join(caseDir, "nft-check"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(check), "exit 0\n") {
		t.Fatalf("case did not pass nft -c: %s", check)
	}
	nft, err := os.ReadFile(filepath.Join(caseDir, "ruleset.nft"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		if !strings.Contains(string(nft), "\t"+l+"\n") {
			t.Errorf("ruleset.nft lacks %q", l)
		}
	}
}
