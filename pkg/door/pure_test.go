package door

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uciknock/uciknock/uci"
)

// TestReconcilePure drives reconcile without a keeper, a store or a
// clock: every outcome of the function in one file, and the same answer
// (and the same bytes) when it runs twice on the same input, as
// Store.Update may make it.
func TestReconcilePure(t *testing.T) {
	norm := func(d Door) Door {
		d, err := d.Normalize()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	kept := norm(ssh("192.0.2.1", time.Hour))     // in the file, as written
	moved := norm(ssh("192.0.2.2", time.Hour))    // in the file, expiry moved since
	fresh := norm(ssh("192.0.2.3", time.Hour))    // never written: added
	raced := norm(ssh("192.0.2.4", time.Hour))    // written, never seen, gone: re-added
	deleted := norm(ssh("192.0.2.5", time.Hour))  // written and seen, gone: lost
	clash := norm(ssh("192.0.2.6", time.Hour))    // a user section has its id: conflict
	stale := norm(ssh("192.0.2.7", time.Hour))    // in the file, not desired: removed
	disabled := norm(ssh("192.0.2.8", time.Hour)) // in the file, disabled by a user: edited

	movedOld := moved
	movedOld.Expires = moved.Expires.Add(-time.Minute)
	disabledText := strings.Replace(doorText(disabled), "option target", "option enabled '0'\n\toption target", 1)
	file := baseConfig + doorText(kept) + doorText(movedOld) + doorText(stale) + disabledText +
		"\nconfig rule '" + clash.ID() + "'\n\toption name 'mine'\n"

	now := t0.Add(time.Minute)
	entries := map[string]*entry{}
	var order []string
	for _, c := range []struct {
		d             Door
		written, seen bool
	}{{kept, true, true}, {moved, true, true}, {fresh, false, false}, {raced, true, false},
		{deleted, true, true}, {clash, false, false}, {disabled, true, true}} {
		e := &entry{door: c.d, name: c.d.FwName(), seen: c.seen}
		if c.written {
			e.written = t0
		}
		entries[c.d.ID()] = e
		order = append(order, c.d.ID())
	}
	want := desired{doors: entries, order: order, readd: 2 * time.Minute}

	run := func() (*changeset, []byte) {
		p, err := uci.Parse("firewall", []byte(file))
		if err != nil {
			t.Fatal(err)
		}
		cs := reconcile(p, want, now)
		return cs, p.Commit()
	}
	cs, out := run()
	cs2, out2 := run()
	if string(out) != string(out2) || !slices.Equal(cs.added, cs2.added) || !slices.Equal(cs.lost, cs2.lost) {
		t.Fatalf("reconcile is not a function of its input:\n%s\n---\n%s", out, out2)
	}
	for _, c := range []struct {
		what      string
		got, want []string
	}{
		{"added", cs.added, []string{fresh.ID()}},
		{"readded", cs.readded, []string{raced.ID()}},
		{"modified", cs.modified, []string{moved.ID()}},
		{"lost", cs.lost, []string{deleted.ID()}},
		{"conflict", cs.conflict, []string{clash.ID()}},
		{"present", cs.present, []string{kept.ID(), moved.ID(), disabled.ID()}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	if len(cs.removed) != 1 || baseID(cs.removed[0].Name) != stale.ID() {
		t.Errorf("removed = %v, want %s", cs.removed, stale.ID())
	}
	if len(cs.edited) != 1 || !cs.edited[disabled.ID()] {
		t.Errorf("edited = %v, want %s", cs.edited, disabled.ID())
	}
	if prev := cs.prev[moved.ID()]; prev == nil || prev.Spans != nil || baseID(prev.Name) != moved.ID() ||
		prev.Name != SectionName(moved.ID(), movedOld.Expires, false) {
		t.Errorf("rollback copy of the moved door = %+v", prev)
	}
	for _, id := range []string{fresh.ID(), raced.ID()} {
		if prev, ok := cs.prev[id]; !ok || prev != nil {
			t.Errorf("rollback of new section %s = %v, %v; want nil, true", id, prev, ok)
		}
	}
	text := string(out)
	for _, s := range []string{"config rule '" + clash.ID() + "'", "option name 'mine'", "option enabled '0'",
		SectionName(moved.ID(), moved.Expires, false)} {
		if !strings.Contains(text, s) {
			t.Errorf("file lacks %q:\n%s", s, text)
		}
	}
	if strings.Contains(text, stale.ID()) || strings.Contains(text, deleted.ID()) {
		t.Errorf("stale or deleted door in the file:\n%s", text)
	}
}

// TestJobRetry: each job backs off on its own, doubling within its
// bounds, and a success resets it.
func TestJobRetry(t *testing.T) {
	var a, b job
	now := t0
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second} {
		if got := a.retry(now, time.Second, 5*time.Second); !got.Equal(now.Add(want)) {
			t.Fatalf("retry %d due %v, want +%v", i, got.Sub(now), want)
		}
	}
	if b.scheduled() || b.backoff != 0 {
		t.Fatalf("another job's backoff moved: %+v", b)
	}
	if !a.ready(now.Add(5*time.Second)) || a.ready(now.Add(4*time.Second)) {
		t.Fatalf("ready around %v wrong", a.due)
	}
	a.ask(now) // keeps the backoff's later due
	if !a.due.Equal(now.Add(5 * time.Second)) {
		t.Fatalf("ask moved a backed-off job to %v", a.due)
	}
	a.done()
	if a.scheduled() || a.backoff != 0 {
		t.Fatalf("done left %+v", a)
	}
	a.ask(now)
	if !a.ready(now) {
		t.Fatal("asked job not ready")
	}
}
