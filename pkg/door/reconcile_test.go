package door

import (
	"strings"
	"testing"
	"time"

	"github.com/uciknock/uciknock/uci"
)

func TestRestartReconcile(t *testing.T) {
	live := ssh("192.0.2.7", time.Hour)
	expired := ssh("192.0.2.8", -time.Minute)
	edited := ssh("192.0.2.9", 2*time.Hour)
	editedText := strings.Replace(doorText(edited), "option dest_port '22'", "option dest_port '2222'\n\toption enabled '0'", 1)
	h := newHarness(t, baseConfig+doorText(live)+doorText(expired)+editedText, nil)
	h.at(0)
	if ids := h.ownIDs(t); len(ids) != 2 || baseID(ids[0]) != live.ID() || baseID(ids[1]) != edited.ID() {
		t.Fatalf("after start-up own sections %v", ids)
	}
	if e := h.rec.last(EventExpire); e.Section != expired.ID() || !strings.Contains(e.Reason, "not running") {
		t.Fatalf("expire event %+v\n%s", e, h.rec)
	}
	if got := h.k.Doors(); len(got) != 2 || got[0].Src != live.Src || !got[0].Expires.Equal(live.Expires) {
		t.Fatalf("adopted doors %+v", got)
	}
	// The user's edit (other port, disabled) stays; only stop_date is added.
	s := doorSection(h.store.pkg(t), edited)
	if s.Get("dest_port").Values[0] != "2222" || s.Get("enabled").Values[0] != "0" {
		t.Fatalf("user edit lost:\n%s", uci.RenderSection(s))
	}
	h.at(time.Hour)
	if ids := h.ownIDs(t); len(ids) != 1 || baseID(ids[0]) != edited.ID() {
		t.Fatalf("after the live expiry: %v", ids)
	}
	h.at(2 * time.Hour)
	if ids := h.ownIDs(t); len(ids) != 0 {
		t.Fatalf("edited door outlived its expiry: %v", ids)
	}
	// Close of a door adopted at start-up works by prefix, source, port.
	h2 := newHarness(t, baseConfig+doorText(live), nil)
	h2.at(0)
	h2.k.Close("KnockSSH", live.Src, 22)
	h2.at(time.Second)
	if ids := h2.ownIDs(t); len(ids) != 0 {
		t.Fatalf("adopted door not closed: %v", ids)
	}
}

func TestReappearedDoorRemovedAgain(t *testing.T) {
	h := newHarness(t, baseConfig, nil)
	h.start(t)
	d := ssh("192.0.2.7", time.Hour)
	mustOpen(t, h.k, d)
	h.at(100 * time.Millisecond)
	snapshot := h.store.text() // what a LuCI apply snapshot would hold
	h.k.Close(d.Prefix, d.Src, d.Port)
	h.at(time.Second)
	// rpcd rollback copies the old file back in place.
	h.store.mu.Lock()
	h.store.data = []byte(snapshot)
	h.store.mu.Unlock()
	h.k.st.noteChange(h.clock.now, h.k.cfg.Batch)
	h.at(1100 * time.Millisecond)
	if ids := h.ownIDs(t); len(ids) != 0 {
		t.Fatalf("closed door survived its reappearance: %v", ids)
	}
	if e := h.rec.last(EventRemoved); !strings.Contains(e.Reason, "reappeared after it was closed") {
		t.Fatalf("removed event %+v\n%s", e, h.rec)
	}
	wantCounts(t, h, 3, 3)
}

func TestLostOpenReadded(t *testing.T) {
	h := newHarness(t, baseConfig, nil)
	h.start(t)
	d := ssh("192.0.2.7", time.Hour)
	mustOpen(t, h.k, d)
	h.at(100 * time.Millisecond)
	drop := func(p *uci.Package) { p.Delete(doorSection(p, d).Name) }
	h.store.edit(t, drop) // a racing libuci commit drops our section
	h.k.st.noteChange(h.clock.now, h.k.cfg.Batch)
	h.at(200 * time.Millisecond)
	if ids := h.ownIDs(t); len(ids) != 1 {
		t.Fatalf("fresh door not written again: %v", ids)
	}
	if h.rec.count(EventReadded) != 1 {
		t.Fatalf("events:\n%s", h.rec)
	}
	// Deleted long after it was written: a deliberate deletion, respected.
	h.at(10 * time.Minute)
	h.store.edit(t, drop)
	h.k.st.noteChange(h.clock.now, h.k.cfg.Batch)
	h.at(10*time.Minute + 100*time.Millisecond)
	if ids := h.ownIDs(t); len(ids) != 0 {
		t.Fatalf("deleted door written again: %v", ids)
	}
	if len(h.k.Doors()) != 0 || h.rec.count(EventRemoved) != 1 {
		t.Fatalf("doors %v events:\n%s", h.k.Doors(), h.rec)
	}
}

func TestUserEditKeptExpiryRestored(t *testing.T) {
	h := newHarness(t, baseConfig, nil)
	h.start(t)
	d := ssh("192.0.2.7", time.Hour)
	mustOpen(t, h.k, d)
	h.at(100 * time.Millisecond)
	w0, _ := h.store.counts()
	h.store.edit(t, func(p *uci.Package) {
		s := doorSection(p, d)
		s.Set("enabled", "0")
		s.Set("dest_port", "2200")
	})
	h.k.st.noteChange(h.clock.now, h.k.cfg.Batch)
	h.at(time.Second)
	if w, _ := h.store.counts(); w != w0 {
		t.Fatalf("a user edit caused a write (%d → %d)", w0, w)
	}
	// A stale copy of our expiry (an older snapshot) is put back.
	h.store.edit(t, func(p *uci.Package) { s := doorSection(p, d); s.Name = SectionName(d.ID(), time.Unix(99999, 0), false) })
	h.k.st.noteChange(h.clock.now, h.k.cfg.Batch)
	h.at(2 * time.Second)
	s := doorSection(h.store.pkg(t), d)
	if expiryOf(t, s) != marker(d.Expires, false) || s.Get("enabled").Values[0] != "0" ||
		s.Get("dest_port").Values[0] != "2200" {
		t.Fatalf("section:\n%s", uci.RenderSection(s))
	}
	if h.rec.count(EventRestored) != 1 {
		t.Fatalf("events:\n%s", h.rec)
	}
	h.at(time.Hour)
	if len(h.ownIDs(t)) != 0 {
		t.Fatal("edited door outlived its expiry")
	}
}

// TestCloseAdoptedEdited: after a restart, doors that no longer read back
// (a user changed the port; a name too long for fw4, shortened) are still
// closed by their sequence, and by the values Doors() reports.
func TestCloseAdoptedEdited(t *testing.T) {
	edited := ssh("192.0.2.9", time.Hour)
	long := ssh("2001:db8::9", time.Hour)
	long.Prefix = strings.Repeat("VeryLongSequenceName", 6)
	editedText := strings.Replace(doorText(edited), "option dest_port '22'", "option dest_port '2222'", 1)
	for _, viaDoors := range []bool{false, true} {
		h := newHarness(t, baseConfig+editedText+doorText(long), nil)
		h.at(0)
		got := h.k.Doors()
		if len(got) != 2 || got[0].Src != edited.Src || got[0].Port != 22 || got[1].Src != long.Src {
			t.Fatalf("adopted %+v", got)
		}
		if viaDoors { // what `uciknockd close` does
			for _, d := range got {
				h.k.Close(d.Prefix, d.Src, d.Port)
			}
		} else {
			h.k.Close(edited.Prefix, edited.Src, edited.Port)
			h.k.Close(long.Prefix, long.Src, long.Port)
		}
		h.at(time.Second)
		if ids := h.ownIDs(t); len(ids) != 0 || h.rec.count(EventClose) != 2 {
			t.Fatalf("viaDoors=%v: left %v\n%s", viaDoors, ids, h.rec)
		}
	}
}

// TestDeletedDoorNeverResurrected: a door deleted by a person (LuCI, uci
// delete, an offline `uciknockd close`) stays deleted, even within Readd of
// its write: once a re-read of the file has shown the section, a later
// disappearance is a deletion by someone who saw it, not a lost race. A
// door adopted at start-up was in the file, so it is never re-added.
func TestDeletedDoorNeverResurrected(t *testing.T) {
	// The section's id carries the expiry (…_e<unix>), so find it by door.
	drop := func(d Door) func(p *uci.Package) {
		return func(p *uci.Package) {
			if s := doorSection(p, d); s != nil {
				p.Delete(s.Name)
			}
		}
	}
	t.Run("written and seen", func(t *testing.T) {
		h := newHarness(t, baseConfig, nil)
		h.start(t)
		d := ssh("192.0.2.7", time.Hour)
		mustOpen(t, h.k, d)
		h.at(100 * time.Millisecond)
		h.k.st.noteChange(h.clock.now, h.k.cfg.Batch) // our own write's notification
		h.at(200 * time.Millisecond)
		h.store.edit(t, drop(d)) // a person deletes it in LuCI
		h.k.st.noteChange(h.clock.now, h.k.cfg.Batch)
		h.at(300 * time.Millisecond)
		h.at(time.Second)
		if ids := h.ownIDs(t); len(ids) != 0 {
			t.Fatalf("deleted door written again: %v\n%s", ids, h.rec)
		}
		if h.rec.count(EventReadded) != 0 || h.rec.count(EventRemoved) != 1 || len(h.k.Doors()) != 0 {
			t.Fatalf("doors %v events:\n%s", h.k.Doors(), h.rec)
		}
	})
	t.Run("adopted at start-up", func(t *testing.T) {
		d := ssh("192.0.2.8", time.Hour)
		h := newHarness(t, baseConfig+doorText(d), nil)
		h.at(0)
		h.at(time.Second)
		h.store.edit(t, drop(d))
		h.k.st.noteChange(h.clock.now, h.k.cfg.Batch)
		h.at(time.Second + 100*time.Millisecond)
		h.at(2 * time.Second)
		if ids := h.ownIDs(t); len(ids) != 0 {
			t.Fatalf("adopted door deleted by a person written again: %v\n%s", ids, h.rec)
		}
		if h.rec.count(EventReadded) != 0 || len(h.k.Doors()) != 0 {
			t.Fatalf("doors %v events:\n%s", h.k.Doors(), h.rec)
		}
	})
}
