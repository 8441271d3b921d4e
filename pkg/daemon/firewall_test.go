package daemon

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

// TestFirewallLine: fw4's include notices are debug, its other "[!]"
// lines (a section skipped) warnings.
func TestFirewallLine(t *testing.T) {
	var buf bytes.Buffer
	log := zerolog.New(&buf)
	firewallLine(log, "reload", "[!] Automatically including '/usr/share/nftables.d/table-pre/uciknock.nft'")
	firewallLine(log, "check", "[!] Section x (KnockSSH_bad) skipped due to invalid options")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"level":"debug"`) || !strings.Contains(lines[0], "Automatically including") ||
		!strings.Contains(lines[1], `"level":"warn"`) || !strings.Contains(lines[1], "skipped due to invalid options") {
		t.Errorf("firewall lines:\n%s", buf.String())
	}
}
