package fwreload

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/uciknock/uciknock/internal/proc"
)

// TestLoaded: fw4 and fw3 are loaded exactly when their state file
// exists; a custom command always is.
func TestLoaded(t *testing.T) {
	root := fakeFW4(t, "exit 0", "exit 0")
	fw, err := Detect(root)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(root, "var", "run", "fw4.state")
	if fw.StateFile() != want || fw.Loaded() {
		t.Fatalf("fresh fw4 root: state %q loaded %v, want %q false", fw.StateFile(), fw.Loaded(), want)
	}
	if err := os.MkdirAll(filepath.Dir(want), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(want, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if !fw.Loaded() {
		t.Fatal("fw4.state present but not loaded")
	}

	root3 := t.TempDir()
	script(t, filepath.Join(root3, "sbin", "fw3"), "exit 0")
	if fw, err = Detect(root3); err != nil {
		t.Fatal(err)
	}
	if fw.StateFile() != filepath.Join(root3, "var", "run", "fw3.state") || fw.Loaded() {
		t.Fatalf("fw3: state %q loaded %v", fw.StateFile(), fw.Loaded())
	}

	if fw, err = New(Config{Reload: []string{"/bin/true"}}); err != nil {
		t.Fatal(err)
	}
	if fw.StateFile() != "" || !fw.Loaded() {
		t.Fatalf("custom: state %q loaded %v", fw.StateFile(), fw.Loaded())
	}
}

// TestNotLoadedError: fw4's refusal to reload a firewall that is not
// running is ErrNotLoaded (and still the exit status); other failures
// and checks are not.
func TestNotLoadedError(t *testing.T) {
	// The message and exit status of fw4's die() (firewall4 root/sbin/fw4).
	root := fakeFW4(t, stderrOf("The fw4 firewall does not appear to be loaded.")+"exit 1",
		stderrOf("The fw4 firewall does not appear to be loaded.")+"exit 1")
	fw, err := Detect(root)
	if err != nil {
		t.Fatal(err)
	}
	err = fw.Reload(context.Background())
	var ee *proc.ExitError
	if !errors.Is(err, ErrNotLoaded) || !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("Reload = %v, want ErrNotLoaded with exit status 1", err)
	}
	if err := fw.Check(context.Background()); err == nil || errors.Is(err, ErrNotLoaded) {
		t.Fatalf("Check = %v: only a reload is refused for not being loaded", err)
	}
	root = fakeFW4(t, stderrOf(nftCommentError)+"exit 1", "exit 0")
	if fw, err = Detect(root); err != nil {
		t.Fatal(err)
	}
	if err := fw.Reload(context.Background()); err == nil || errors.Is(err, ErrNotLoaded) {
		t.Fatalf("nft error = %v, must not be ErrNotLoaded", err)
	}
}
