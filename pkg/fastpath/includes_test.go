package fastpath

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uciknock/uciknock/internal/testenv"
)

// TestIncludesNeverBreakFW4: the package's nftables includes load with
// the real fw4 on the stock config, with wan down (its device define is
// an empty set) and without any zone called wan (its chains and define do
// not exist). A broken include would make fw4 load nothing at all.
func TestIncludesNeverBreakFW4(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real fw4")
	}
	testenv.RequireRoot(t)
	sandbox := testenv.OpenWrtDir(t)
	overlay := t.TempDir()
	if err := os.MkdirAll(filepath.Join(overlay, "usr", "share"), 0o755); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(testenv.ModuleRoot(t), "files", "usr", "share", "nftables.d")
	if out, err := exec.Command("cp", "-r", src, filepath.Join(overlay, "usr", "share")).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	stock, err := os.ReadFile(filepath.Join(sandbox, "share", "config", "firewall"))
	if err != nil {
		t.Fatal(err)
	}
	noWan := strings.NewReplacer("option name\t\twan", "option name\t\tinternet",
		"option src\t\twan", "option src\t\tinternet", "option dest\t\twan", "option dest\t\tinternet").Replace(string(stock))
	lanOnly := `{"interface":[{"interface":"lan","up":true,"pending":false,"available":true,"autostart":true,"dynamic":false,` +
		`"proto":"static","device":"br-lan","l3_device":"br-lan","ipv4-address":[{"address":"192.168.1.1","mask":24}],` +
		`"ipv6-address":[],"ipv6-prefix":[],"ipv6-prefix-assignment":[],"route":[],"dns-server":[],"dns-search":[],` +
		`"neighbors":[],"inactive":{},"data":{}}]}`
	for _, tc := range []struct {
		name, firewall, netdump string
	}{
		{"stock", string(stock), ""},
		{"wan down", string(stock), lanOnly},
		{"no zone wan", noWan, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "firewall"), []byte(tc.firewall), 0o644); err != nil {
				t.Fatal(err)
			}
			env := []string{"FW_OVERLAY=" + overlay}
			if tc.netdump != "" {
				nd := filepath.Join(dir, "netdump.json")
				if err := os.WriteFile(nd, []byte(tc.netdump), 0o644); err != nil {
					t.Fatal(err)
				}
				env = append(env, "FW_NETDUMP="+nd)
			}
			out, errOut, err := testenv.Owrt(sandbox, env, "owrt-fw4", "check", dir)
			if err != nil || !strings.Contains(string(out), "Ruleset passes nftables check.") {
				t.Fatalf("fw4 check with the includes: %v\n%s%s", err, out, errOut)
			}
		})
	}
}
