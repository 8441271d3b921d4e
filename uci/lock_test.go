//go:build linux

package uci

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// holdLock opens path and flocks it the way libuci does; the lock is
// released by the returned func.
func holdLock(t *testing.T, path string, how int) func() {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Flock(int(f.Fd()), how); err != nil {
		t.Fatal(err)
	}
	return func() { f.Close() }
}

// replaceFile puts data at path through a rename, as a libuci commit does.
func replaceFile(t *testing.T, path string, data []byte) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), ".firewall.uci-test")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestUpdateLockTimeout(t *testing.T) {
	stock := stockFirewall(t)
	f := newConfig(t, stock, 0o644)
	f.LockTimeout = 30 * time.Millisecond
	release := holdLock(t, f.Path, unix.LOCK_SH)
	defer release()
	if _, err := f.Update(func(p *Package) error { addDoor(t, p, "k", "192.0.2.1"); return nil }); !errors.Is(err, ErrLockTimeout) {
		t.Fatalf("Update under a foreign shared lock: %v, want ErrLockTimeout", err)
	}
	if !bytes.Equal(readFile(t, f.Path), stock) {
		t.Fatal("file changed without the lock")
	}
	if _, _, err := f.Read(); err != nil {
		t.Fatalf("Read must share a shared lock: %v", err)
	}
	release()
	releaseEx := holdLock(t, f.Path, unix.LOCK_EX)
	defer releaseEx()
	if _, _, err := f.Read(); !errors.Is(err, ErrLockTimeout) {
		t.Fatalf("Read under a foreign exclusive lock: %v, want ErrLockTimeout", err)
	}
}

// A libuci commit renames its file over the config after unlocking; an
// update that already opened the old inode must notice after locking and
// start over on the new file, or the libuci commit would be lost.
func TestUpdateRestartsWhenReplacedWhileWaiting(t *testing.T) {
	f := newConfig(t, stockFirewall(t), 0o644)
	release := holdLock(t, f.Path, unix.LOCK_EX)
	done := make(chan error, 1)
	calls := 0
	go func() {
		_, err := f.Update(func(p *Package) error { calls++; addDoor(t, p, "ours", "192.0.2.1"); return nil })
		done <- err
	}()
	time.Sleep(50 * time.Millisecond) // let Update open the old inode and poll its lock
	theirs := append(stockFirewall(t), "\nconfig rule 'theirs'\n\toption src 'lan'\n"...)
	replaceFile(t, f.Path, theirs)
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	p, _, err := f.Read()
	if err != nil {
		t.Fatal(err)
	}
	if p.Section("theirs") == nil || p.Section("ours") == nil {
		t.Fatalf("lost an update: theirs=%v ours=%v", p.Section("theirs") != nil, p.Section("ours") != nil)
	}
	if calls != 1 {
		t.Fatalf("fn ran %d times, want 1 (identity is checked before reading)", calls)
	}
}

// A file replaced between our read and our rename (only a writer that
// ignores the lock can do that) makes the update start over.
func TestUpdateRestartsWhenReplacedBeforeRename(t *testing.T) {
	f := newConfig(t, stockFirewall(t), 0o644)
	theirs := append(stockFirewall(t), "\nconfig rule 'theirs'\n\toption src 'lan'\n"...)
	calls := 0
	changed, err := f.Update(func(p *Package) error {
		calls++
		if calls == 1 {
			replaceFile(t, f.Path, theirs)
		}
		addDoor(t, p, "ours", "192.0.2.1")
		return nil
	})
	if err != nil || !changed {
		t.Fatalf("Update = %v, %v", changed, err)
	}
	if calls != 2 {
		t.Fatalf("fn ran %d times, want 2", calls)
	}
	want := append(theirs, RenderSection(&Section{Type: "rule", Name: "ours"})[:len("\nconfig rule 'ours'\n")]...)
	if got := readFile(t, f.Path); !bytes.HasPrefix(got, want) {
		t.Fatalf("got:\n%s", got)
	}
}

// While a libuci commit is between its unlock and its rename (its temp
// file exists), an update must wait and then build on libuci's file.
func TestUpdateWaitsForLibuciRename(t *testing.T) {
	f := newConfig(t, stockFirewall(t), 0o644)
	theirs := append(stockFirewall(t), "\nconfig rule 'theirs'\n\toption src 'lan'\n"...)
	tmp := filepath.Join(filepath.Dir(f.Path), ".firewall.uci-AbC123")
	if err := os.WriteFile(tmp, theirs, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := f.Update(func(p *Package) error { addDoor(t, p, "ours", "192.0.2.1"); return nil })
		done <- err
	}()
	time.Sleep(100 * time.Millisecond) // libuci's rename comes late
	if err := os.Rename(tmp, f.Path); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	p, _, err := f.Read()
	if err != nil {
		t.Fatal(err)
	}
	if p.Section("theirs") == nil || p.Section("ours") == nil {
		t.Fatalf("lost an update: theirs=%v ours=%v", p.Section("theirs") != nil, p.Section("ours") != nil)
	}
}

// A libuci temp file older than the config (left by a killed `uci`) is
// not waited for and is left alone.
func TestUpdateIgnoresStaleLibuciTemp(t *testing.T) {
	f := newConfig(t, stockFirewall(t), 0o644)
	f.LockTimeout = 5 * time.Second
	tmp := filepath.Join(filepath.Dir(f.Path), ".firewall.uci-stale1")
	if err := os.WriteFile(tmp, []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := os.Chtimes(tmp, old, old); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Update(func(p *Package) error { addDoor(t, p, "ours", "192.0.2.1"); return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tmp); err != nil {
		t.Fatalf("libuci's temp file was touched: %v", err)
	}
}

// A libuci writer that opened the config before our rename locks the old
// inode afterwards and never re-checks (uci.md §8); it must read our text.
func TestUpdateRefreshesOldInode(t *testing.T) {
	f := newConfig(t, stockFirewall(t), 0o644)
	old, err := os.OpenFile(f.Path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if _, err := f.Update(func(p *Package) error { addDoor(t, p, "ours", "192.0.2.1"); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := unix.Flock(int(old.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		t.Fatalf("lock on the old inode still held: %v", err)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(old); err != nil {
		t.Fatal(err)
	}
	if want := readFile(t, f.Path); !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("old inode holds:\n%s\nwant the new file", buf.Bytes())
	}
}

func TestUpdateRemovesStaleTemps(t *testing.T) {
	f := newConfig(t, stockFirewall(t), 0o644)
	dir := filepath.Dir(f.Path)
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skipf("no `true` to get a dead pid: %v", err)
	}
	dead := filepath.Join(dir, ".firewall"+tempInfix+strconv.Itoa(cmd.Process.Pid)+"-123")
	mine := filepath.Join(dir, ".firewall"+tempInfix+strconv.Itoa(os.Getpid())+"-456")
	other := filepath.Join(dir, ".network"+tempInfix+strconv.Itoa(cmd.Process.Pid)+"-789")
	for _, p := range []string{dead, mine, other} {
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.Update(func(p *Package) error { addDoor(t, p, "ours", "192.0.2.1"); return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dead); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("temp file of a dead writer kept: %v", err)
	}
	for _, p := range []string{mine, other} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s removed: %v", p, err)
		}
	}
}

// A libuci writer that opened the config before it was replaced (and may
// not even have called flock yet) will commit on the old inode; an update
// must wait for it and build on its result, not run concurrently.
func TestUpdateWaitsForStaleWriter(t *testing.T) {
	f := newConfig(t, stockFirewall(t), 0o644)
	stale, err := os.OpenFile(f.Path, os.O_RDWR, 0) // opened, no flock yet
	if err != nil {
		t.Fatal(err)
	}
	defer stale.Close()
	replaceFile(t, f.Path, stockFirewall(t)) // another commit replaces it
	done := make(chan error, 1)
	go func() {
		_, err := f.Update(func(p *Package) error { addDoor(t, p, "ours", "192.0.2.1"); return nil })
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	// The stale writer commits the libuci way: temp file, close, rename.
	theirs := append(stockFirewall(t), "\nconfig rule 'theirs'\n\toption src 'lan'\n"...)
	tmp := filepath.Join(filepath.Dir(f.Path), ".firewall.uci-st4le")
	if err := os.WriteFile(tmp, theirs, 0o644); err != nil {
		t.Fatal(err)
	}
	stale.Close()
	if err := os.Rename(tmp, f.Path); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	p, _, err := f.Read()
	if err != nil {
		t.Fatal(err)
	}
	if p.Section("theirs") == nil || p.Section("ours") == nil {
		t.Fatalf("lost an update: theirs=%v ours=%v", p.Section("theirs") != nil, p.Section("ours") != nil)
	}
}

func TestFdinfoWritable(t *testing.T) {
	tests := []struct {
		info string
		want bool
	}{
		{"pos:\t0\nflags:\t0100000\nmnt_id:\t25\n", false}, // O_RDONLY|O_LARGEFILE
		{"pos:\t0\nflags:\t0100002\nmnt_id:\t25\n", true},  // O_RDWR
		{"pos:\t0\nflags:\t02000001\n", true},              // O_WRONLY|O_CLOEXEC
		{"pos:\t0\n", false},
		{"flags:\tzz\n", false},
	}
	for _, tt := range tests {
		if got := fdinfoWritable([]byte(tt.info)); got != tt.want {
			t.Errorf("fdinfoWritable(%q) = %v, want %v", tt.info, got, tt.want)
		}
	}
}
