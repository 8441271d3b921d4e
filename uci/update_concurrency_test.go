//go:build linux

package uci

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const (
	concChildEnv = "UCI_CONC_CHILD" // config path
	concRoleEnv  = "UCI_CONC_ROLE"  // "ours:<id>" or "libuci:<id>"
	concCountEnv = "UCI_CONC_COUNT" // sections to add
)

// addUnique adds one named section with our safe update.
func addUnique(f *File, name string) error {
	_, err := f.Update(func(p *Package) error {
		s, err := p.AddNamed("rule", name)
		if err != nil {
			return err
		}
		return s.Set("src_ip", "198.51.100.7")
	})
	return err
}

// libuciCommit edits path the way libuci's `uci commit` does (uci.md §8,
// uci: file.c uci_file_commit): open O_RDWR|O_CREAT, blocking LOCK_EX on
// the config, re-read and parse from the locked fd, mkstemp
// `.<pkg>.uci-XXXXXX` in the directory, flock it, write the whole file in
// commit format, fsync, close; then unlock and close the config BEFORE
// realpath, chmod and rename. It never re-checks which inode it locked.
func libuciCommit(path, pkg string, edit func(p *Package) error) error {
	cfg, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	closed := false
	defer func() {
		if !closed {
			cfg.Close()
		}
	}()
	if err := unix.Flock(int(cfg.Fd()), unix.LOCK_EX); err != nil {
		return err
	}
	data, err := io.ReadAll(cfg)
	if err != nil {
		return err
	}
	p, err := Parse(pkg, data)
	if err != nil {
		return err
	}
	if err := edit(p); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+pkg+".uci-")
	if err != nil {
		return err
	}
	if err := unix.Flock(int(tmp.Fd()), unix.LOCK_EX); err != nil {
		return err
	}
	if _, err := tmp.Write(p.Commit()); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	tmp.Close()
	cfg.Close() // unlock and close before the rename: libuci's race window
	closed = true
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	st, err := os.Stat(real)
	if err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), st.Mode()); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), real)
}

// TestUpdateConcurrencyChild is the child side of TestUpdateConcurrency;
// it does nothing in a normal test run.
func TestUpdateConcurrencyChild(t *testing.T) {
	path := os.Getenv(concChildEnv)
	if path == "" {
		t.Skip("helper process for TestUpdateConcurrency")
	}
	n, err := strconv.Atoi(os.Getenv(concCountEnv))
	if err != nil {
		t.Fatal(err)
	}
	kind, id, _ := strings.Cut(os.Getenv(concRoleEnv), ":")
	f := &File{Path: path, LockTimeout: 30 * time.Second}
	for i := 0; i < n; i++ {
		name := id + "_" + strconv.Itoa(i)
		if kind == "libuci" {
			err = libuciCommit(path, "firewall", func(p *Package) error {
				s, err := p.AddNamed("rule", name)
				if err != nil {
					return err
				}
				return s.Set("src_ip", "203.0.113.9")
			})
		} else {
			err = addUnique(f, name)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// countMissing counts the sections <prefix><writer>_<i> (writer < writers,
// i < n) missing from p.
func countMissing(p *Package, n int, prefix string, writers int) int {
	lost := 0
	for w := 0; w < writers; w++ {
		for i := 0; i < n; i++ {
			if p.Section(prefix+strconv.Itoa(w)+"_"+strconv.Itoa(i)) == nil {
				lost++
			}
		}
	}
	return lost
}

// TestUpdateConcurrency runs goroutine writers, writer processes and two
// processes committing like libuci, all adding unique sections to the
// same file at once. None of our writers' sections may be lost. The
// libuci-style writers lose their own through libuci's race (one of them
// locks an inode the other has just replaced); that is counted, not
// asserted: it is libuci's behaviour.
func TestUpdateConcurrency(t *testing.T) {
	const goroutines, processes, libucis = 3, 2, 2
	n := 25
	if testing.Short() {
		n = 5
	}
	stock, err := Parse("firewall", stockFirewall(t))
	if err != nil {
		t.Fatal(err)
	}
	f := newConfigIn(t, memTempDir(t), stockFirewall(t), 0o644)
	f.LockTimeout = 30 * time.Second

	type child struct {
		role string
		cmd  *exec.Cmd
		out  fmt.Stringer
	}
	var children []child
	var roles []string
	for c := 0; c < libucis; c++ {
		roles = append(roles, "libuci:l"+strconv.Itoa(c))
	}
	for c := 0; c < processes; c++ {
		roles = append(roles, "ours:p"+strconv.Itoa(c))
	}
	for _, role := range roles {
		cmd, out := startHelper(t, "TestUpdateConcurrencyChild",
			concChildEnv+"="+f.Path, concRoleEnv+"="+role, concCountEnv+"="+strconv.Itoa(n))
		children = append(children, child{role, cmd, out})
	}
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*n)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < n; i++ {
				if err := addUnique(f, "g"+strconv.Itoa(g)+"_"+strconv.Itoa(i)); err != nil {
					errs <- err
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, c := range children {
		if err := c.cmd.Wait(); err != nil {
			t.Errorf("child %s: %v\n%s", c.role, err, c.out)
		}
	}

	p, _, err := f.Read()
	if err != nil {
		t.Fatal(err)
	}
	lostOurs := countMissing(p, n, "g", goroutines) + countMissing(p, n, "p", processes)
	lostLibuci := countMissing(p, n, "l", libucis)
	t.Logf("%d sections added by %d goroutines and %d processes with Update, %d by %d libuci-style processes; lost: ours %d, libuci-style %d",
		(goroutines+processes)*n, goroutines, processes, libucis*n, libucis, lostOurs, lostLibuci)
	if lostOurs != 0 {
		t.Fatalf("%d of our sections lost", lostOurs)
	}
	if want := len(stock.Sections) + (goroutines+processes+libucis)*n - lostLibuci; len(p.Sections) != want {
		t.Fatalf("%d sections in the file, want %d", len(p.Sections), want)
	}
}
