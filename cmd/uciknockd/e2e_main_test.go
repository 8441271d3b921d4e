package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/testenv"
)

// The end-to-end (e2e_*) and hardening (harden_*) tests run the real
// binaries, built once per test run without the race detector (as
// shipped: static, CGO_ENABLED=0), so that a SIGKILL hits the program
// people install and its timing is not the race detector's.

// e2eVersion is stamped into the test builds; TestCLIVersion expects it.
const e2eVersion = "e2e-test"

// builtBinaries is the one build of uciknockd, uciknock and uci for this
// run.
type builtBinaries struct {
	once   sync.Once
	dir    string
	daemon string // uciknockd
	client string // uciknock
	uci    string // the uci(1) clone, cmd/uci (this machine has no uci)
	err    error
}

var e2eBuild builtBinaries

func TestMain(m *testing.M) {
	code := m.Run()
	if e2eBuild.dir != "" {
		os.RemoveAll(e2eBuild.dir)
	}
	testenv.ReportSkips() // tests that needed the OpenWrt sandbox and skipped
	os.Exit(code)
}

// binaries builds uciknockd, uciknock and uci into a temporary directory
// on first use and returns the paths of the first two (uciBinary: the
// third).
func binaries(t testing.TB) (daemon, client string) {
	t.Helper()
	root := testenv.ModuleRoot(t)
	e2eBuild.once.Do(func() {
		dir, err := os.MkdirTemp("", "uciknock-e2e-bin-")
		if err != nil {
			e2eBuild.err = err
			return
		}
		e2eBuild.dir = dir
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath",
			"-ldflags", "-X main.version="+e2eVersion, "-o", dir+string(filepath.Separator),
			"./cmd/uciknockd", "./cmd/uciknock", "./cmd/uci")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false")
		if out, err := cmd.CombinedOutput(); err != nil {
			e2eBuild.err = fmt.Errorf("go build: %w\n%s", err, out)
			return
		}
		e2eBuild.daemon = filepath.Join(dir, "uciknockd")
		e2eBuild.client = filepath.Join(dir, "uciknock")
		e2eBuild.uci = filepath.Join(dir, "uci")
	})
	if e2eBuild.err != nil {
		t.Fatalf("building the binaries: %v", e2eBuild.err)
	}
	return e2eBuild.daemon, e2eBuild.client
}

// uciBinary returns the path of the uci(1) clone built with the other
// binaries.
func uciBinary(t testing.TB) string {
	t.Helper()
	binaries(t)
	return e2eBuild.uci
}
