package testenv

import (
	"strings"
	"testing"
)

// TestOpenWrtDirSkipIsReported: without the sandbox a test is skipped
// outside CI and named, with the reason, in Main's summary line.
func TestOpenWrtDirSkipIsReported(t *testing.T) {
	t.Setenv("CI", "")
	t.Setenv("OPENWRT_DIR", t.TempDir())
	t.Run("needs-sandbox", func(t *testing.T) {
		OpenWrtDir(t)
		t.Error("OpenWrtDir returned without the sandbox")
	})
	line := skipSummary()
	skippedMu.Lock()
	delete(skipped, t.Name()+"/needs-sandbox")
	skippedMu.Unlock()
	for _, want := range []string{"SKIPPED 1 test", t.Name() + "/needs-sandbox", "sandbox missing at"} {
		if !strings.Contains(line, want) {
			t.Errorf("summary %q lacks %q", line, want)
		}
	}
	if skipSummary() != "" {
		t.Error("summary not empty after the entry was removed")
	}
}

func TestGoldenDirInRepository(t *testing.T) {
	for _, name := range []string{"uci", "fw4"} {
		if dir := GoldenDir(t, name); !strings.Contains(dir, "testdata") {
			t.Errorf("GoldenDir(%s) = %s", name, dir)
		}
	}
}
