package door

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/testenv"
	"github.com/uciknock/uciknock/uci"
)

// stockFile puts the stock firewall4 config (golden case 001) into dir
// and returns a uci.File for it.
func stockFile(tb testing.TB, dir string) *uci.File {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.GoldenDir(tb, "fw4"), "001-stock-defaults", "firewall"))
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(dir, "firewall")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	return &uci.File{Path: path, LockTimeout: 5 * time.Second}
}

// TestConcurrentWriterLosesNothing runs a burst of opens through the
// keeper on the real uci.File while another writer (LuCI, uci commit)
// keeps adding its own sections to the same file: after both, every one
// of its sections and every door is there.
func TestConcurrentWriterLosesNothing(t *testing.T) {
	file := stockFile(t, t.TempDir())
	other := &uci.File{Path: file.Path, LockTimeout: 5 * time.Second}
	fw, rec, clock := &fakeFW{}, &recorder{}, &fakeClock{now: t0}
	k, err := New(Config{Store: file, Reloader: fw, Clock: clock, Events: rec.add})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const doors, theirs = 18, 40
	var wg sync.WaitGroup
	errs := make(chan error, theirs)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < theirs; i++ {
			_, err := other.Update(func(p *uci.Package) error {
				s, err := p.AddNamed("rule", fmt.Sprintf("theirs_%d", i))
				if err != nil {
					return err
				}
				return s.Set("name", fmt.Sprintf("Their rule %d", i))
			})
			if err != nil {
				errs <- err
				return
			}
		}
	}()
	for i := 0; i < doors; i++ {
		d := ssh("192.0.2.7", time.Hour)
		d.Src = netip.AddrFrom4([4]byte{192, 0, 2, byte(10 + i)})
		if err := k.Open(d); err != nil {
			t.Fatal(err)
		}
		clock.now = clock.now.Add(40 * time.Millisecond)
		k.tick(ctx, clock.now)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	clock.now = clock.now.Add(time.Second)
	k.tick(ctx, clock.now)
	p, _, err := file.Read()
	if err != nil {
		t.Fatal(err)
	}
	own := 0
	for _, s := range p.Sections {
		if _, _, ok := owned(s); ok {
			own++
		}
	}
	for i := 0; i < theirs; i++ {
		if p.Section(fmt.Sprintf("theirs_%d", i)) == nil {
			t.Errorf("the other writer's section theirs_%d was lost", i)
		}
	}
	if own != doors || rec.count(EventOpen) != doors {
		t.Fatalf("%d doors in the file, %d open events, want %d\n%s", own, rec.count(EventOpen), doors, rec)
	}
}

// TestRealFileUnparsable: a firewall config that libuci cannot parse is
// reported and left byte for byte as it is.
func TestRealFileUnparsable(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "firewall")
	broken := []byte("config defaults\n\toption input 'ACCEPT\n")
	if err := os.WriteFile(path, broken, 0o600); err != nil {
		t.Fatal(err)
	}
	rec, clock := &recorder{}, &fakeClock{now: t0}
	k, err := New(Config{Store: &uci.File{Path: path}, Reloader: &fakeFW{}, Clock: clock, Events: rec.add})
	if err != nil {
		t.Fatal(err)
	}
	k.tick(context.Background(), t0)
	if err := k.Open(ssh("192.0.2.7", time.Hour)); err != nil {
		t.Fatal(err)
	}
	k.tick(context.Background(), t0.Add(time.Minute))
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(broken) {
		t.Fatalf("unparsable config was rewritten:\n%s", got)
	}
	e := rec.last(EventError)
	var pe *uci.ParseError
	if e.Err == nil || !asParseError(e.Err, &pe) || pe.Line != 2 {
		t.Fatalf("error event %+v", e)
	}
}

func asParseError(err error, pe **uci.ParseError) bool {
	for err != nil {
		if p, ok := err.(*uci.ParseError); ok {
			*pe = p
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

// BenchmarkOpenCommit measures a completed sequence until the door is
// committed to the firewall config (real uci.File on tmpfs when there
// is one, stock config plus the doors opened so far, at most 32; the
// reload is a no-op fake). It reports p50 and p99 in microseconds.
func BenchmarkOpenCommit(b *testing.B) {
	base := "/dev/shm"
	if st, err := os.Stat(base); err != nil || !st.IsDir() {
		base = ""
	}
	dir, err := os.MkdirTemp(base, "door-bench")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	var k *Keeper
	clock := &fakeClock{now: t0}
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%32 == 0 {
			b.StopTimer()
			k, err = New(Config{Store: stockFile(b, dir), Reloader: &fakeFW{}, Clock: clock,
				Limit: TimeLimit{UTC: true}})
			if err != nil {
				b.Fatal(err)
			}
			k.tick(ctx, clock.now)
			b.StartTimer()
		}
		start := time.Now()
		d := ssh("192.0.2.7", time.Hour)
		d.Src = netip.AddrFrom4([4]byte{198, 18, byte(i >> 8), byte(i)})
		d.Expires = clock.now.Add(time.Hour)
		if err := k.Open(d); err != nil {
			b.Fatal(err)
		}
		clock.now = clock.now.Add(k.cfg.Batch)
		k.tick(ctx, clock.now)
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// TestEndToEndWatch runs the keeper on the real uci.File with the real
// inotify watch: our own write does not trigger another one (no loop),
// and a closed door that an in-place rewrite (rpcd rollback) brings back
// is removed again.
func TestEndToEndWatch(t *testing.T) {
	file := stockFile(t, t.TempDir())
	w, err := NewWatch(file.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	fw, rec := &fakeFW{}, &recorder{ch: make(chan Event, 256)}
	k, err := New(Config{Store: file, Reloader: fw, Events: rec.add, Changes: w.Changes(), Batch: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); w.Run(ctx) }()
	go func() { defer wg.Done(); k.Run(ctx) }()
	defer wg.Wait()
	defer cancel()

	waitEvent(t, rec.ch, EventReload) // start-up
	d := ssh("192.0.2.7", time.Hour)
	d.Expires = time.Now().Add(time.Hour)
	if err := k.Open(d); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, rec.ch, EventOpen)
	waitEvent(t, rec.ch, EventReload)
	snapshot, err := os.ReadFile(file.Path)
	if err != nil {
		t.Fatal(err)
	}
	// Give a feedback loop the chance to show: our write's notification
	// must lead to a read and nothing else.
	time.Sleep(200 * time.Millisecond)
	if _, r := fw.counts(); r != 2 {
		t.Fatalf("%d reloads after one open: our own write was reconciled again\n%s", r, rec)
	}
	k.Close(d.Prefix, d.Src, d.Port)
	waitEvent(t, rec.ch, EventClose)
	waitEvent(t, rec.ch, EventReload)
	// rpcd's rollback: the old snapshot written over the file in place.
	if err := os.WriteFile(file.Path, snapshot, 0o600); err != nil {
		t.Fatal(err)
	}
	if e := waitEvent(t, rec.ch, EventRemoved); e.Section != d.ID() {
		t.Fatalf("removed %+v", e)
	}
	p, _, err := file.Read()
	if err != nil {
		t.Fatal(err)
	}
	if doorSection(p, d) != nil {
		t.Fatal("reappeared door still in the file")
	}
}
