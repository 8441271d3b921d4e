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
// setup.sh. The sandbox is not part of the repository: without it the test
// is skipped and recorded for Main's summary, or fails under CI.
func OpenWrtDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("OPENWRT_DIR")
	if dir == "" {
		dir = filepath.Join(ModuleRoot(t), "..", "shared", "openwrt")
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

// Main runs the package's tests and then prints one line naming the tests
// that OpenWrtDir skipped and why, so that a fresh clone does not skip them
// silently. Use it as the package's TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if line := skipSummary(); line != "" {
		fmt.Fprintln(os.Stderr, line)
	}
	os.Exit(code)
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

// SharedDir returns the path of ../shared next to the project root (the
// reference tree of the development machines). Tests should not need it:
// the golden corpus is in the repository (GoldenDir) and the OpenWrt
// sandbox has OpenWrtDir. When it is missing the test fails under CI and
// is skipped elsewhere. SHARED_DIR overrides the location.
func SharedDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("SHARED_DIR")
	if dir == "" {
		dir = filepath.Join(ModuleRoot(t), "..", "shared")
	}
	if _, err := os.Stat(filepath.Join(dir, "testdata")); err != nil {
		if InCI() {
			t.Fatalf("shared corpus missing at %s: %v", dir, err)
		}
		t.Skipf("shared corpus missing at %s", dir)
	}
	return dir
}
