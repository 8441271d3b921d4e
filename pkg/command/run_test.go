package command

import (
	"context"
	"errors"
	"net/netip"
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

var src = netip.MustParseAddr("192.0.2.7")

// argsScript writes a script that prints its argument count and each
// argument on its own line, to see exactly what argv a command got.
func argsScript(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "args")
	body := "#!/bin/sh\necho \"$#\"\nfor a in \"$@\"; do printf '[%s]\\n' \"$a\"; done\n"
	if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunArgv(t *testing.T) {
	script := argsScript(t)
	argv, err := Split(script + ` -s %IP% "x %IP% y" '%IP%;reboot'`)
	if err != nil {
		t.Fatal(err)
	}
	for _, ip := range []netip.Addr{
		src,
		netip.MustParseAddr("2001:db8::1"),
		netip.MustParseAddr("fe80::1").WithZone("eth0 $(reboot)"),
		netip.MustParseAddr("::ffff:192.0.2.7"),
	} {
		var r Runner
		res, err := r.Run(context.Background(), argv, ip)
		if err != nil {
			t.Fatalf("%v: %v", ip, err)
		}
		text, _ := IPText(ip)
		want := "4\n[-s]\n[" + text + "]\n[x " + text + " y]\n[" + text + ";reboot]\n"
		if string(res.Output) != want || res.ExitCode != 0 || res.Truncated {
			t.Fatalf("%v: got %+v, output %q, want %q", ip, res, res.Output, want)
		}
		if res.Argv[2] != text {
			t.Fatalf("Result.Argv %q", res.Argv)
		}
	}
}

func TestRunFailures(t *testing.T) {
	var r Runner
	res, err := r.Run(context.Background(), []string{"sh", "-c", "echo oops >&2; exit 3"}, src)
	var ee *proc.ExitError
	if !errors.As(err, &ee) || res.ExitCode != 3 || string(res.Output) != "oops\n" {
		t.Fatalf("exit 3: %+v %v", res, err)
	}
	if !strings.Contains(err.Error(), "sh") {
		t.Fatalf("error %q should name the program", err)
	}
	for _, prog := range []string{"uciknock-no-such-program", filepath.Join(t.TempDir(), "missing")} {
		res, err = r.Run(context.Background(), []string{prog, "%IP%"}, src)
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), prog) || res.ExitCode != -1 {
			t.Fatalf("missing %s: %+v %v", prog, res, err)
		}
	}
	notExec := filepath.Join(t.TempDir(), "plain")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err = r.Run(context.Background(), []string{notExec}, src); !errors.Is(err, ErrNotFound) {
		t.Fatalf("not executable: %v", err)
	}
	if _, err = r.Run(context.Background(), []string{"echo", "%IP%"}, netip.Addr{}); !errors.Is(err, ErrBadAddress) {
		t.Fatalf("invalid address: %v", err)
	}
	if _, err = r.Run(context.Background(), nil, src); err == nil {
		t.Fatal("empty argv ran")
	}
}

// TestRunTimeoutKillsGroup: a command past its limit is killed together
// with the children it started.
func TestRunTimeoutKillsGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	r := Runner{Timeout: 200 * time.Millisecond}
	start := time.Now()
	res, err := r.Run(context.Background(), []string{"sh", "-c", "sleep 30 & echo $! > " + pidFile + "; echo started; wait"}, src)
	if !errors.Is(err, ErrTimeout) || res.ExitCode != -1 {
		t.Fatalf("Run = %+v, %v; want ErrTimeout", res, err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("returned after %v", d)
	}
	if string(res.Output) != "started\n" {
		t.Fatalf("output before the kill %q", res.Output)
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil || strings.Contains(string(st), ") Z ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("child sleep %d survived the timeout", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRunCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	var r Runner
	_, err := r.Run(ctx, []string{"sleep", "30"}, src)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
}

func TestRunOutputBounded(t *testing.T) {
	var r Runner
	res, err := r.Run(context.Background(), []string{"sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x; echo tail >&2"}, src)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Output) != DefaultMaxOutput || !res.Truncated || strings.Trim(string(res.Output), "x") != "" {
		t.Fatalf("kept %d bytes, truncated %v", len(res.Output), res.Truncated)
	}
	r = Runner{MaxOutput: 10}
	if res, _ = r.Run(context.Background(), []string{"echo", "0123456789"}, src); string(res.Output) != "0123456789" || !res.Truncated {
		t.Fatalf("limit 10: %q %v", res.Output, res.Truncated)
	}
}

// TestRunDaemonisingHelper: a command that exits 0 but leaves a child
// holding its output is a success, not a hang.
func TestRunDaemonisingHelper(t *testing.T) {
	var r Runner
	start := time.Now()
	res, err := r.Run(context.Background(), []string{"sh", "-c", "sleep 3 & echo forked"}, src)
	if err != nil || res.ExitCode != 0 || string(res.Output) != "forked\n" {
		t.Fatalf("Run = %+v %v", res, err)
	}
	if d := time.Since(start); d > 2900*time.Millisecond {
		t.Fatalf("waited %v for the background child", d)
	}
}

func TestRunEnv(t *testing.T) {
	r := Runner{Env: []string{"PATH=/usr/bin:/bin", "KNOCK=1"}}
	res, err := r.Run(context.Background(), []string{"env"}, src)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Fields(string(res.Output))
	if !reflect.DeepEqual(got, r.Env) {
		t.Fatalf("env %q, want %q", got, r.Env)
	}
}
