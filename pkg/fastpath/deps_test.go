package fastpath

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/uciknock/uciknock/internal/testenv"
)

// TestDaemonLinksNoNetlinkLibrary: the router binary speaks nf_tables
// through this package alone; google/nftables (with mdlayher/netlink)
// was 122 KB of it and is a test-only dependency now.
func TestDaemonLinksNoNetlinkLibrary(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	cmd := exec.Command("go", "list", "-deps", "./cmd/uciknockd", "./cmd/uciknock")
	cmd.Dir = testenv.ModuleRoot(t)
	cmd.Env = append(cmd.Environ(), "GOOS=linux", "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps listed %d packages", len(deps))
	}
	for _, p := range deps {
		for _, bad := range []string{"github.com/google/nftables", "github.com/mdlayher/netlink"} {
			if p == bad || strings.HasPrefix(p, bad+"/") {
				t.Errorf("the binaries link %s", p)
			}
		}
	}
	if !strings.Contains(string(out), "github.com/uciknock/uciknock/pkg/fastpath\n") {
		t.Error("uciknockd does not link pkg/fastpath: the check looks at the wrong thing")
	}
}
