// Package testenv holds the small facts tests need about where they run:
// where the golden corpus is (in the repository), where the OpenWrt
// sandbox is (outside it), and whether privileged tests (network
// namespaces, veth, AF_PACKET) may run.
//
// Policy: a plain clone runs every test but those needing the OpenWrt
// sandbox (../shared/openwrt) or root. Those skip only outside CI; under
// CI=true a missing privilege, tool or sandbox is a test failure. Skips for
// the sandbox are not silent: a package whose TestMain calls Main prints
// one summary line naming them and why.
//
// Example:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
//
//	func TestCapture(t *testing.T) {
//		testenv.RequireRoot(t)
//		dir := testenv.GoldenDir(t, "uci") // …/uci/testdata/golden
//	}
package testenv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true or any non-empty
// value other than "false" and "0").
func InCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false" && v != "0"
}

// RequireRoot skips t when not running as root outside CI, and fails it
// when not root under CI.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if InCI() {
		t.Fatal("privileged test: CI=true but not running as root")
	}
	t.Skip("privileged test: needs root (runs in CI)")
}

// ModuleRoot returns the directory holding go.mod, found by walking up
// from the working directory (go test runs in the package directory).
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// golden maps a corpus name to its directory in the repository: copies of
// the real tools' output (see the README.md next to each).
var golden = map[string]string{
	"uci": filepath.Join("uci", "testdata", "golden"),
	"fw4": filepath.Join("pkg", "door", "testdata", "fw4"),
}

// GoldenDir returns the directory of a golden corpus kept in the
// repository: "uci" (the uci CLI's output) or "fw4" (fw4/fw3/nft output).
// It never skips: the corpus is part of every clone.
func GoldenDir(t testing.TB, name string) string {
	t.Helper()
	rel, ok := golden[name]
	if !ok {
		t.Fatalf("testenv: unknown golden corpus %q", name)
	}
	dir := filepath.Join(ModuleRoot(t), rel)
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("golden corpus %s missing: %v", name, err)
	}
	return dir
}

// skipped records the tests skipped for want of the OpenWrt sandbox, for
// Main's summary line. Guarded by skippedMu: parallel tests skip
// concurrently.
var (
	skippedMu sync.Mutex
	skipped   = map[string]string{} // test name → reason
)

// OpenWrtDir returns the OpenWrt userland sandbox (../shared/openwrt next
// to the repository, or $OPENWRT_DIR) after running its idempotent
// setup.sh (once per test process). The sandbox is not part of the repository: without it the test
// is skipped and recorded for Main's summary, or fails under CI.
func OpenWrtDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("OPENWRT_DIR")
	if dir == "" {
		dir = filepath.Join(ModuleRoot(t), "..", "shared", "openwrt")
	}
	reason := sandboxReason(dir)
	if reason == "" {
		return dir
	}
	if InCI() {
		t.Fatalf("%s (CI=true: tests needing it must run)", reason)
	}
	skippedMu.Lock()
	skipped[t.Name()] = reason
	skippedMu.Unlock()
	t.Skip(reason)
	return ""
}

// sandboxReasons holds, per sandbox directory, why it cannot be used (""
// when it can): setup.sh runs once per test process, not once per test.
// Guarded by sandboxMu.
var (
	sandboxMu      sync.Mutex
	sandboxReasons = map[string]string{}
)

func sandboxReason(dir string) string {
	sandboxMu.Lock()
	defer sandboxMu.Unlock()
	if r, ok := sandboxReasons[dir]; ok {
		return r
	}
	setup := filepath.Join(dir, "setup.sh")
	reason := ""
	if _, err := os.Stat(setup); err != nil {
		reason = fmt.Sprintf("OpenWrt sandbox missing at %s", dir)
	} else if os.Geteuid() != 0 {
		reason = "OpenWrt sandbox needs root"
	} else if out, err := exec.Command(setup, "--no-apt").CombinedOutput(); err != nil {
		reason = fmt.Sprintf("%s failed: %v: %s", setup, err, strings.TrimSpace(string(out)))
	}
	sandboxReasons[dir] = reason
	return reason
}

// Main runs the package's tests and then prints one line naming the tests
// that OpenWrtDir skipped and why, so that a fresh clone does not skip them
// silently. Use it as the package's TestMain.
func Main(m *testing.M) {
	code := m.Run()
	ReportSkips()
	os.Exit(code)
}

// ReportSkips prints Main's summary line, for a package whose TestMain
// does more than run the tests.
func ReportSkips() {
	if line := skipSummary(); line != "" {
		fmt.Fprintln(os.Stderr, line)
	}
}

// skipSummary is Main's line: "" when nothing was skipped.
func skipSummary() string {
	skippedMu.Lock()
	defer skippedMu.Unlock()
	if len(skipped) == 0 {
		return ""
	}
	byReason := map[string][]string{}
	for name, reason := range skipped {
		byReason[reason] = append(byReason[reason], name)
	}
	var parts []string
	for reason, names := range byReason {
		sort.Strings(names)
		parts = append(parts, fmt.Sprintf("%s (%s)", strings.Join(names, ", "), reason))
	}
	sort.Strings(parts)
	return fmt.Sprintf("testenv: SKIPPED %d test(s) needing the OpenWrt sandbox: %s; they run with ../shared/openwrt as root and must run under CI=true",
		len(skipped), strings.Join(parts, "; "))
}

// owrtTries is how often Owrt runs a wrapper whose chroot services did not
// come up.
const owrtTries = 3

// Owrt runs the OpenWrt sandbox's wrapper bin/NAME with args and the extra
// environment env, and returns what it printed. The wrappers start ubusd
// and a netifd stand-in in a throw-away chroot and give up with exit
// status 3 ("… did not start") when those are slow to come up, as they are
// on a loaded 2-core machine: that is the sandbox's start-up, not the
// result under test, so such a run is repeated, three runs at most. Every
// other failure is returned at once.
func Owrt(dir string, env []string, name string, args ...string) (stdout, stderr []byte, err error) {
	for try := 1; ; try++ {
		cmd := exec.Command(filepath.Join(dir, "bin", name), args...)
		cmd.Env = append(os.Environ(), env...)
		var out, errOut strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err = cmd.Run()
		stdout, stderr = []byte(out.String()), []byte(errOut.String())
		if !sandboxDidNotStart(err, stderr) || try == owrtTries {
			if err != nil {
				err = fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
			}
			return stdout, stderr, err
		}
	}
}

// sandboxDidNotStart tells the wrappers' start-up failure (lib/chroot-run:
// exit 3 and "did not start") from a failure of the tool they ran.
func sandboxDidNotStart(err error, stderr []byte) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee) && ee.ExitCode() == 3 && strings.Contains(string(stderr), "did not start")
}
