//go:build linux

package uci

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// The crash test re-executes the test binary as a child (env switch) that
// loops doing updates; the parent SIGKILLs it at random moments.
const (
	crashChildEnv   = "UCI_CRASH_CHILD"   // config path
	crashJournalEnv = "UCI_CRASH_JOURNAL" // journal path
)

// startHelper re-executes the test binary running only the helper test
// `name` with env added. A binary that cannot be executed directly (tests
// run under qemu-user without binfmt) skips the calling test.
func startHelper(t *testing.T, name string, env ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^"+name+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		if errors.Is(err, syscall.ENOEXEC) {
			t.Skipf("cannot re-execute the test binary here (emulated?): %v", err)
		}
		t.Fatal(err)
	}
	return cmd, &out
}

// crashCounter is the number of completed crash-test updates recorded in
// the file itself (section crash, option n).
func crashCounter(p *Package) (int, error) {
	s := p.Section("crash")
	if s == nil || s.Get("n") == nil {
		return 0, errors.New("no crash.n in the file")
	}
	return strconv.Atoi(s.Get("n").Value())
}

// crashStep is update number k: it bumps crash.n and, in turn, adds a
// section, changes the newest added one, or deletes the oldest one, so
// that sections are appended, rewritten in place and removed mid-file.
func crashStep(p *Package, k int) error {
	if n, err := crashCounter(p); err != nil || n != k-1 {
		return fmt.Errorf("crash step %d on a file at step %d (%v)", k, n, err)
	}
	if err := p.Section("crash").Set("n", strconv.Itoa(k)); err != nil {
		return err
	}
	var added []*Section
	for _, s := range p.Sections {
		if s.Type == "crashrule" {
			added = append(added, s)
		}
	}
	switch k % 3 {
	case 1:
		s, err := p.AddNamed("crashrule", "c"+strconv.Itoa(k))
		if err != nil {
			return err
		}
		if err := s.Set("src_ip", "192.0.2."+strconv.Itoa(k%250+1)); err != nil {
			return err
		}
		return s.SetList("step", []string{strconv.Itoa(k), "x"})
	case 2:
		if len(added) > 0 {
			return added[len(added)-1].Set("changed", strconv.Itoa(k))
		}
	default:
		if len(added) > 1 {
			p.Delete(added[0].Name)
		}
	}
	return nil
}

// TestUpdateCrashChild is the child side of TestUpdateCrash; it does
// nothing in a normal test run.
func TestUpdateCrashChild(t *testing.T) {
	path := os.Getenv(crashChildEnv)
	if path == "" {
		t.Skip("helper process for TestUpdateCrash")
	}
	journal, err := os.OpenFile(os.Getenv(crashJournalEnv), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := &File{Path: path}
	stop := time.After(20 * time.Second) // never outlive a lost parent for long
	for {
		select {
		case <-stop:
			return
		default:
		}
		p, _, err := f.Read()
		if err != nil {
			t.Fatal(err)
		}
		n, err := crashCounter(p)
		if err != nil {
			t.Fatal(err)
		}
		// The journal line is written before the update starts: a kill
		// after it leaves the file at step n or n+1, nothing else.
		if _, err := fmt.Fprintf(journal, "%d\n", n+1); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Update(func(p *Package) error { return crashStep(p, n+1) }); err != nil {
			t.Fatal(err)
		}
	}
}

// memTempDir returns a fresh directory on tmpfs when /dev/shm is usable:
// the crash and concurrency tests kill and race processes, they do not
// simulate power loss, and a SIGKILL cannot interrupt a process sleeping
// in a disk fsync, which would make hundreds of kills slow.
func memTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/dev/shm", "uciknock-test-")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// lastJournal returns the last step number the child announced (0: none).
func lastJournal(t *testing.T, path string) int {
	t.Helper()
	b := bytes.TrimRight(readFile(t, path), "\n")
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[i+1:]
	}
	if len(b) == 0 {
		return 0
	}
	n, err := strconv.Atoi(string(b))
	if err != nil {
		t.Fatalf("journal: %v", err)
	}
	return n
}

func TestUpdateCrash(t *testing.T) {
	kills := 300
	if testing.Short() {
		kills = 30
	}
	stock := stockFirewall(t)
	f := newConfigIn(t, memTempDir(t), append(append([]byte(nil), stock...), "\nconfig crashtest 'crash'\n\toption n '0'\n"...), 0o644)
	journal := filepath.Join(t.TempDir(), "journal")
	if err := os.WriteFile(journal, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// want follows the child: the file after `step` updates.
	want := &crashWant{data: readFile(t, f.Path)}
	var err error
	if want.model, err = Parse("firewall", want.data); err != nil {
		t.Fatal(err)
	}
	interrupted, done := 0, 0
	rng := rand.New(rand.NewSource(1))
	// A time budget keeps a heavily loaded CI machine within the package's
	// test time; 300 kills normally take 10-30 s.
	budget := time.After(45 * time.Second)
	for i := 0; i < kills && !fired(budget); i++ {
		done++
		before := len(readFile(t, journal))
		cmd, out := startHelper(t, "TestUpdateCrashChild", crashChildEnv+"="+f.Path, crashJournalEnv+"="+journal)
		waitJournalGrowth(t, journal, before, cmd, out)
		// 0-10 ms: an update with its two fsyncs takes a few ms, so kills
		// land before, during and after renames, and in later updates.
		time.Sleep(time.Duration(rng.Intn(10000)) * time.Microsecond)
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		j := lastJournal(t, journal)
		if n := checkCrashState(t, i, f.Path, j, want); n == j-1 {
			interrupted++
		}
	}
	t.Logf("%d kills, %d updates completed, %d kills interrupted an update (file found at the old state)", done, want.step, interrupted)
	if want.step == 0 || done < min(kills, 30) {
		t.Fatalf("only %d kills and %d completed updates", done, want.step)
	}
	if !bytes.HasPrefix(want.data, stock) {
		t.Fatal("the stock text (comments) was not kept")
	}
	// The next update removes what killed writers left behind.
	if _, err := f.Update(func(p *Package) error { return crashStep(p, want.step+1) }); err != nil {
		t.Fatal(err)
	}
	if left := tempLeftovers(t, filepath.Dir(f.Path)); len(left) != 0 {
		t.Fatalf("temp files left after a clean update: %v", left)
	}
}

// crashWant is what the file must hold after a number of steps: the bytes
// the same updates produce in memory, and the model.
type crashWant struct {
	step  int
	data  []byte
	model *Package
}

// advance applies crash steps until w is at step n.
func (w *crashWant) advance(t *testing.T, n int) {
	t.Helper()
	for ; w.step < n; w.step++ {
		k := w.step + 1
		out, err := (&File{Package: "firewall"}).edit("want", w.data, func(p *Package) error { return crashStep(p, k) })
		if err != nil {
			t.Fatal(err)
		}
		w.data = out
		if err := crashStep(w.model, k); err != nil {
			t.Fatal(err)
		}
	}
}

// checkCrashState checks the file after kill i: it parses strictly, it is
// at the step the child announced last (j) or the one before, and it is
// byte for byte the text of that step (so the stock comments before the
// test's sections are intact). It returns the step.
func checkCrashState(t *testing.T, i int, path string, j int, want *crashWant) int {
	t.Helper()
	data := readFile(t, path)
	got, err := Parse("firewall", data)
	if err != nil {
		t.Fatalf("kill %d: file does not parse: %v", i, err)
	}
	n, err := crashCounter(got)
	if err != nil {
		t.Fatalf("kill %d: %v", i, err)
	}
	if n != j && n != j-1 || n < want.step {
		t.Fatalf("kill %d: file at step %d, child was doing step %d, last seen %d", i, n, j, want.step)
	}
	want.advance(t, n)
	if !bytes.Equal(data, want.data) || !sameSections(got.Sections, want.model.Sections) {
		t.Fatalf("kill %d: file is not the text of step %d:\n%s", i, n, data)
	}
	return n
}

// fired reports whether the timer channel has fired.
func fired(c <-chan time.Time) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// waitJournalGrowth waits until the child has announced an update, so the
// kill lands inside the update loop rather than during process start-up.
func waitJournalGrowth(t *testing.T, journal string, before int, cmd *exec.Cmd, out *bytes.Buffer) {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for len(readFile(t, journal)) <= before {
		select {
		case <-deadline:
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("child made no progress:\n%s", out)
		case <-time.After(200 * time.Microsecond):
		}
	}
}
