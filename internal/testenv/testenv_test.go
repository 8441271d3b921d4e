package testenv

import (
	"os"
	"path/filepath"
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

// TestOwrtRetriesStartUpOnly: a wrapper whose chroot services did not
// start (exit 3, "did not start") is run again, at most three times; a
// failure of the tool itself is returned after one run.
func TestOwrtRetriesStartUpOnly(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	count := filepath.Join(dir, "runs")
	// flaky fails its first $FAILS runs as chroot-run does when ubusd is
	// slow, then prints ok; broken fails as a tool does.
	script := `#!/bin/sh
echo run >> "` + count + `"
n=$(wc -l < "` + count + `")
case "$1" in
flaky) [ "$n" -gt "$FAILS" ] && { echo ok; exit 0; }; echo "owrt-fw4: ubusd did not start" >&2; exit 3 ;;
broken) echo "Error: syntax error" >&2; exit 3 ;;
esac`
	if err := os.WriteFile(filepath.Join(dir, "bin", "owrt-x"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	runs := func() int {
		b, _ := os.ReadFile(count)
		os.Remove(count)
		return strings.Count(string(b), "\n")
	}
	for _, tc := range []struct {
		arg, fails string
		wantRuns   int
		wantErr    bool
	}{
		{"flaky", "0", 1, false},
		{"flaky", "2", 3, false},
		{"flaky", "3", 3, true},
		{"broken", "0", 1, true},
	} {
		out, errOut, err := Owrt(dir, []string{"FAILS=" + tc.fails}, "owrt-x", tc.arg)
		if got := runs(); got != tc.wantRuns || (err != nil) != tc.wantErr {
			t.Errorf("%s after %s start-up failures: %d runs, err %v (stderr %q), want %d runs, error %v",
				tc.arg, tc.fails, got, err, errOut, tc.wantRuns, tc.wantErr)
		}
		if err == nil && string(out) != "ok\n" {
			t.Errorf("%s: stdout %q", tc.arg, out)
		}
	}
}
