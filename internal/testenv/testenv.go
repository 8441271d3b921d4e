// Package testenv holds the small facts tests need about where they run:
// where the shared golden corpus is, and whether privileged tests
// (network namespaces, veth, AF_PACKET) may run.
//
// Policy (DEVELOPERS.md): privileged tests must run in CI. They skip only
// when the process is not root and the CI variable is unset; under CI=true
// a missing privilege or a missing corpus is a test failure.
//
// Example:
//
//	func TestCapture(t *testing.T) {
//		testenv.RequireRoot(t)
//		dir := testenv.SharedDir(t) // …/shared
//	}
package testenv

import (
	"os"
	"path/filepath"
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

// SharedDir returns the path of ../shared next to the project root. When
// it is missing the test fails under CI and is skipped elsewhere.
// SHARED_DIR overrides the location.
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
