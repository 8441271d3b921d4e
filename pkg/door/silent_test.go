package door

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/testenv"
	"github.com/uciknock/uciknock/uci"
)

// TestSilentInFW4AndFW3: 256 doors (rules and redirects, IPv4 and IPv6,
// with and without kill) make the real fw4 and fw3 print no warning about
// them: the expiry is in the id, not in an option they do not know.
func TestSilentInFW4AndFW3(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real fw4 and fw3")
	}
	testenv.RequireRoot(t)
	sandbox := testenv.OpenWrtDir(t)
	stock, err := os.ReadFile(filepath.Join(sandbox, "share", "config", "firewall"))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.Write(stock)
	exp := time.Now().Add(time.Hour)
	tl := TimeLimit{UTC: true}
	for i := 0; i < 256; i++ {
		d := Door{Prefix: "KnockSSH", Port: 22, Expires: exp, KillSessions: i%3 == 0}
		if i%2 == 0 {
			d.Src = netip.AddrFrom4([4]byte{198, 18, byte(i / 250), byte(i%250 + 1)})
		} else {
			d.Src = netip.MustParseAddr(fmt.Sprintf("2001:db8::%x", i))
		}
		if i%4 == 1 {
			d.Kind, d.Prefix, d.DestIP = Redirect, "KnockFwd", netip.MustParseAddr(fmt.Sprintf("2001:db8:1::%x", i))
		}
		d, err := d.Normalize()
		if err != nil {
			t.Fatal(err)
		}
		b.Write(uci.RenderSection(Section(d, tl)))
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "firewall"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// fw4: every door; fw3 -4: the 128 IPv4 doors; fw3 -6: the 64 IPv6
	// rules (fw3 has no IPv6 NAT, so IPv6 redirects are fw4-only).
	want := map[string]int{"owrt-fw4": 256, "-4": 128, "-6": 64}
	for _, args := range [][]string{{"owrt-fw4", "print", dir}, {"owrt-fw3", "-4", "print", dir}, {"owrt-fw3", "-6", "print", dir}} {
		out, errOut, err := testenv.Owrt(sandbox, nil, args[0], args[1:]...)
		if err != nil {
			t.Fatalf("%v\n%s", err, errOut)
		}
		for _, line := range strings.Split(string(errOut), "\n") {
			if strings.Contains(line, "uciknock") || strings.Contains(line, "Knock") {
				t.Errorf("%v warns about a door: %s", args, line)
			}
		}
		key := args[0]
		if key == "owrt-fw3" {
			key = args[1]
		}
		if n := strings.Count(string(out), "Knock"); n < want[key] {
			t.Errorf("%v renders %d door rules, want %d", args[:2], n, want[key])
		}
	}
}
