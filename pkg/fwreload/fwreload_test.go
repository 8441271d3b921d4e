package fwreload

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/proc"
)

// script writes an executable shell script (a stand-in for fw4/fw3).
func script(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

// fakeFW4 makes root/sbin/fw4 (and the fw3 symlink fw4 ships) that
// behaves per subcommand: reload and check run the given shell snippets.
func fakeFW4(t *testing.T, reload, check string) string {
	t.Helper()
	root := t.TempDir()
	fw4 := filepath.Join(root, "sbin", "fw4")
	script(t, fw4, `case "$1" in
reload) `+reload+` ;;
check) `+check+` ;;
*) echo "unexpected fw4 $*" >&2; exit 99 ;;
esac`)
	if err := os.Symlink("fw4", filepath.Join(root, "sbin", "fw3")); err != nil {
		t.Fatal(err)
	}
	return root
}

// stderrOf is a shell snippet printing text to stderr.
func stderrOf(text string) string {
	return "cat >&2 <<'FW4OUT'\n" + text + "\nFW4OUT\n"
}

// Output of the real fw4/nft, from the golden corpus pkg/door/testdata/fw4 (012, 017).
const (
	nftCommentError = `/dev/stdin:105:58-188: Error: comment too long, 128 characters maximum allowed
		ip saddr 192.0.2.7 tcp dport 22 counter accept comment "!fw4: KnockLong123_xxx"
		                                                       ^^^^^^^^^^^^^^^^^^^^^^^`
	fw4Warning = `[!] Section knock_bad (KnockSSH_bad) option 'src_ip' specifies invalid value 'not-an-ip'
[!] Section knock_bad (KnockSSH_bad) skipped due to invalid options`
)

func TestDetect(t *testing.T) {
	root := t.TempDir()
	if _, err := Detect(root); !errors.Is(err, ErrNoFirewall) {
		t.Fatalf("empty root: %v", err)
	}
	// A non-executable /sbin/fw4 is not a firewall.
	if err := os.MkdirAll(filepath.Join(root, "sbin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "sbin", "fw4"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Detect(root); !errors.Is(err, ErrNoFirewall) {
		t.Fatalf("non-executable fw4: %v", err)
	}
	script(t, filepath.Join(root, "sbin", "fw3"), "exit 0")
	fw, err := Detect(root)
	if err != nil || fw.Kind() != KindFW3 || fw.CanCheck() {
		t.Fatalf("fw3 only: %v %v", fw, err)
	}
	if err := fw.Check(context.Background()); err != nil {
		t.Fatalf("fw3 Check must be a no-op: %v", err)
	}
	fw4root := fakeFW4(t, "exit 0", "exit 0")
	fw, err = Detect(fw4root)
	if err != nil || fw.Kind() != KindFW4 || !fw.CanCheck() {
		t.Fatalf("fw4 with fw3 symlink: %v %v", fw, err)
	}
	want := []string{filepath.Join(fw4root, "sbin", "fw4"), "reload"}
	if got := fw.ReloadCommand(); !reflect.DeepEqual(got, want) {
		t.Fatalf("reload command %q, want %q", got, want)
	}
	fw, err = New(Config{Root: fw4root, Reload: []string{"/bin/true"}})
	if err != nil || fw.Kind() != KindCustom || fw.CanCheck() {
		t.Fatalf("custom wins over detection: %v %v", fw, err)
	}
}

// TestCommands checks the exact argv: reload and check, never restart,
// stop or flush, and no -q (it would hide nft's errors).
func TestCommands(t *testing.T) {
	root := fakeFW4(t, "exit 0", "exit 0")
	var calls [][]string
	fw, err := New(Config{Root: root, Exec: func(ctx context.Context, argv []string) ([]byte, []byte, error) {
		calls = append(calls, argv)
		return nil, nil, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := fw.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	fw4 := filepath.Join(root, "sbin", "fw4")
	want := [][]string{{fw4, "check"}, {fw4, "reload"}}
	if !reflect.DeepEqual(calls, want) {
		t.Fatalf("calls %q, want %q", calls, want)
	}
}

func TestFW4Outcomes(t *testing.T) {
	exitErr := &proc.ExitError{}
	cases := []struct {
		name, reload string
		wantErr      error  // ErrFailedOnExit0, exitErr, or nil for success
		reason       string // expected Error.Reason prefix
		warns        int
		exitCode     int
	}{
		{"clean", "echo ok; exit 0", nil, "", 0, 0},
		{"warnings only", stderrOf(fw4Warning) + "exit 0", nil, "", 2, 0},
		{"warning whose name says Error", stderrOf("[!] Section x (Error: y) is disabled, ignoring section") + "exit 0", nil, "", 1, 0},
		{"nft error on exit 0", stderrOf(nftCommentError) + "exit 0", ErrFailedOnExit0, "/dev/stdin:105:58-188: Error: comment too long", 0, 0},
		{"netlink error on exit 0", stderrOf("Error: Could not process rule: No such file or directory") + "exit 0", ErrFailedOnExit0, "Error: Could not process rule", 0, 0},
		{"ucode runtime error", stderrOf("Runtime error: Type error: left-hand side is not an object") + "exit 0", ErrFailedOnExit0, "Runtime error: Type error", 0, 0},
		{"not loaded", stderrOf("The fw4 firewall does not appear to be loaded.") + "exit 1", exitErr, "The fw4 firewall does not appear to be loaded.", 0, 1},
		{"silent failure", "exit 3", exitErr, "exit status 3", 0, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := fakeFW4(t, c.reload, "exit 0")
			var warns []string
			fw, err := New(Config{Root: root, Warn: func(op, line string) { warns = append(warns, op+": "+line) }})
			if err != nil {
				t.Fatal(err)
			}
			err = fw.Reload(context.Background())
			if c.wantErr == nil {
				if err != nil {
					t.Fatalf("Reload: %v", err)
				}
				if len(warns) != c.warns {
					t.Fatalf("warnings %q, want %d", warns, c.warns)
				}
				return
			}
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("Reload = %v, want *Error", err)
			}
			if c.wantErr == exitErr {
				var ee *proc.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != c.exitCode {
					t.Fatalf("want exit %d, got %v", c.exitCode, err)
				}
			} else if !errors.Is(err, c.wantErr) {
				t.Fatalf("Reload = %v, want %v", err, c.wantErr)
			}
			if !strings.HasPrefix(fe.Reason, c.reason) || fe.Op != "reload" || fe.Kind != KindFW4 {
				t.Fatalf("error %+v, want reason %q", fe, c.reason)
			}
			if !strings.Contains(err.Error(), "fw4 reload failed") {
				t.Fatalf("message %q", err.Error())
			}
			if len(warns) != 0 {
				t.Fatalf("warnings reported for a failed reload: %q", warns)
			}
		})
	}
}

func TestFW4Check(t *testing.T) {
	root := fakeFW4(t, "exit 0", `echo "Ruleset passes nftables check."; exit 0`)
	fw, err := Detect(root)
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.Check(context.Background()); err != nil {
		t.Fatalf("passing check: %v", err)
	}
	root = fakeFW4(t, "exit 0", stderrOf(nftCommentError)+"exit 1")
	if fw, err = Detect(root); err != nil {
		t.Fatal(err)
	}
	err = fw.Check(context.Background())
	var fe *Error
	if !errors.As(err, &fe) || fe.Op != "check" || !strings.Contains(fe.Reason, "comment too long") || !strings.Contains(fe.Stderr, "^^^") {
		t.Fatalf("failing check: %v", err)
	}
}

func TestFW3AndCustom(t *testing.T) {
	root := t.TempDir()
	script(t, filepath.Join(root, "sbin", "fw3"), `[ "$1" = reload ] || exit 99; echo "Error: x" >&2; exit 1`)
	fw, err := Detect(root)
	if err != nil {
		t.Fatal(err)
	}
	var ee *proc.ExitError
	if err := fw.Reload(context.Background()); !errors.As(err, &ee) {
		t.Fatalf("fw3 failing reload: %v", err)
	}
	// A custom command: only the exit status counts.
	dir := t.TempDir()
	cmd := filepath.Join(dir, "reload")
	script(t, cmd, `echo "Error: not really" >&2; exit 0`)
	chk := filepath.Join(dir, "check")
	script(t, chk, `exit 4`)
	fw, err = New(Config{Reload: []string{cmd}, Check: []string{chk}})
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.Reload(context.Background()); err != nil {
		t.Fatalf("custom reload: %v", err)
	}
	if err := fw.Check(context.Background()); !errors.As(err, &ee) || ee.ExitCode() != 4 {
		t.Fatalf("custom check: %v", err)
	}
	fw, err = New(Config{Reload: []string{filepath.Join(dir, "missing")}})
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.Reload(context.Background()); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("missing command: %v", err)
	}
}

// TestTimeoutKillsGroup: a hanging reload is killed with its children
// when the timeout passes.
func TestTimeoutKillsGroup(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child.pid")
	root := fakeFW4(t, "sleep 30 & echo $! > "+pidFile+"; wait", "exit 0")
	fw, err := New(Config{Root: root, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = fw.Reload(context.Background())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Reload = %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("Reload took %v after a 300ms timeout", d)
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	waitGone(t, pid)
}

// waitGone fails t unless process pid is gone (or a zombie) within 5 s.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil || strings.Contains(string(st), ") Z ") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d still runs", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestOutputClipped(t *testing.T) {
	root := fakeFW4(t, `head -c 200000 /dev/zero | tr '\0' x >&2; echo >&2; echo "Error: late" >&2; exit 1`, "exit 0")
	fw, err := Detect(root)
	if err != nil {
		t.Fatal(err)
	}
	var fe *Error
	if err := fw.Reload(context.Background()); !errors.As(err, &fe) {
		t.Fatalf("Reload = %v", err)
	}
	if len(fe.Stderr) > maxOutput+100 || !strings.HasSuffix(fe.Stderr, "[output truncated]") {
		t.Fatalf("stderr kept %d bytes", len(fe.Stderr))
	}
	if len(fe.Reason) > 600 {
		t.Fatalf("reason of %d bytes", len(fe.Reason))
	}
}
