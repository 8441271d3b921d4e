//go:build linux

package daemon

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/uciknock/uciknock/pkg/fwreload"
)

// fakeFW4Root makes root/sbin/fw4 behave like the real one for reload:
// it refuses with fw4's message while var/run/fw4.state is missing, and
// appends a line to root/reloads for every reload it does.
func fakeFW4Root(t *testing.T) (root, state string) {
	t.Helper()
	root = t.TempDir()
	state = filepath.Join(root, "var", "run", "fw4.state")
	if err := os.MkdirAll(filepath.Join(root, "sbin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(state), 0o755); err != nil {
		t.Fatal(err)
	}
	fw4 := `#!/bin/sh
case "$1" in
check) exit 0 ;;
reload)
	[ -f "` + state + `" ] || { echo "The fw4 firewall does not appear to be loaded." >&2; exit 1; }
	echo reload >> "` + root + `/reloads" ;;
*) exit 99 ;;
esac
`
	if err := os.WriteFile(filepath.Join(root, "sbin", "fw4"), []byte(fw4), 0o755); err != nil {
		t.Fatal(err)
	}
	return root, state
}

func reloadsDone(root string) int {
	b, _ := os.ReadFile(filepath.Join(root, "reloads"))
	return strings.Count(string(b), "reload\n")
}

// TestFirewallWaitBoot is the boot order: the keeper reloads before the
// firewall is loaded (twice: at start and after a door), which is one
// INFO line and no error; when fw4 starts, the owed reload runs once.
func TestFirewallWaitBoot(t *testing.T) {
	root, state := fakeFW4Root(t)
	w, logs := testFirewallWait(t, root, zerolog.DebugLevel)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()

	for i := 0; i < 2; i++ {
		if err := w.Reload(ctx); err != nil {
			t.Fatalf("reload %d before the firewall: %v", i, err)
		}
	}
	if n := reloadsDone(root); n != 0 {
		t.Fatalf("%d reloads ran before the firewall was loaded", n)
	}
	// The kick from Reload must not make run reload a firewall that is
	// still not loaded: give it the chance.
	time.Sleep(100 * time.Millisecond)
	if got := logs.String(); strings.Count(got, `"level":"info"`) != 1 ||
		!strings.Contains(got, "firewall not loaded yet") || strings.Contains(got, `"level":"error"`) {
		t.Fatalf("log before the firewall starts, want one info line:\n%s", got)
	}

	// The firewall starts (fw4 writes its state file).
	if err := os.WriteFile(state, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for reloadsDone(root) < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("owed reload not run 5 s after the state file appeared\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Later reloads are ordinary ones; the state file rewritten by them
	// does not cause more.
	if err := w.Reload(ctx); err != nil {
		t.Fatalf("reload with the firewall loaded: %v", err)
	}
	if err := os.WriteFile(state, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if n := reloadsDone(root); n != 2 {
		t.Fatalf("%d reloads, want the owed one and the keeper's", n)
	}
	if got := logs.String(); strings.Count(got, `"level":"info"`) != 1 || strings.Contains(got, `"level":"error"`) {
		t.Fatalf("log, want only the one info line:\n%s", got)
	}
}

// TestFirewallWaitRace: the state file exists but fw4 still says it is
// not loaded (stopped between the two looks): owed, not an error.
func TestFirewallWaitRace(t *testing.T) {
	root, state := fakeFW4Root(t)
	if err := os.WriteFile(filepath.Join(root, "sbin", "fw4"),
		[]byte("#!/bin/sh\necho 'The fw4 firewall does not appear to be loaded.' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(state, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	w, logs := testFirewallWait(t, root, zerolog.InfoLevel)
	if err := w.Reload(context.Background()); err != nil || !w.isOwed() {
		t.Fatalf("Reload = %v, owed %v; want nil and owed", err, w.isOwed())
	}
	if !strings.Contains(logs.String(), "firewall not loaded yet") {
		t.Fatalf("log: %s", logs.String())
	}
}

// TestFirewallWaitPolls: without a directory to watch, the owed reload
// still runs once the state file appears (checked every 2 s).
func TestFirewallWaitPolls(t *testing.T) {
	root, state := fakeFW4Root(t)
	run := filepath.Dir(state)
	if err := os.RemoveAll(filepath.Dir(run)); err != nil { // no var/ at all
		t.Fatal(err)
	}
	w, logs := testFirewallWait(t, root, zerolog.InfoLevel)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- w.run(ctx) }()
	if err := w.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(state, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(8 * time.Second)
	for reloadsDone(root) < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("owed reload not run by polling\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
}

// testFirewallWait is the firewall wait of the fw4 under root, logging at
// level into the returned buffer.
func testFirewallWait(t *testing.T, root string, level zerolog.Level) (*firewallWait, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	fw, err := fwreload.Detect(root)
	if err != nil {
		t.Fatal(err)
	}
	return newFirewallWait(fw, zerolog.New(logs).Level(level)), logs
}
