package door

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/uciknock/uciknock/pkg/localtime"
	"github.com/uciknock/uciknock/uci"
)

func mustOpen(t *testing.T, k *Keeper, d Door) {
	t.Helper()
	if err := k.Open(d); err != nil {
		t.Fatal(err)
	}
}

func wantCounts(t *testing.T, h *harness, writes, reloads int) {
	t.Helper()
	w, _ := h.store.counts()
	_, r := h.fw.counts()
	if w != writes || r != reloads {
		t.Fatalf("writes=%d reloads=%d, want %d, %d\nevents:\n%s", w, r, writes, reloads, h.rec)
	}
}

func TestBatchBurst(t *testing.T) {
	tests := []struct {
		name    string
		spacing time.Duration // between completed sequences
		writes  int
	}{
		{"within one window", 5 * time.Millisecond, 1},
		{"spread over two windows", 8 * time.Millisecond, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, baseConfig, nil)
			h.start(t) // adopts nothing, writes nothing, reloads once
			// 18 overlapping knocks complete their sequences one after another.
			for i := 0; i < 18; i++ {
				h.at(time.Duration(i) * tt.spacing)
				mustOpen(t, h.k, ssh(fmt.Sprintf("192.0.2.%d", 10+i), time.Minute))
			}
			h.at(17*tt.spacing + 100*time.Millisecond)
			h.at(17*tt.spacing + 200*time.Millisecond)
			wantCounts(t, h, tt.writes, tt.writes)
			if got := len(h.ownIDs(t)); got != 18 {
				t.Fatalf("%d own sections, want 18", got)
			}
			if n := h.rec.count(EventOpen); n != 18 {
				t.Fatalf("%d open events, want 18", n)
			}
		})
	}
}

func TestBatchWaitsForWindow(t *testing.T) {
	h := newHarness(t, baseConfig, nil)
	h.start(t)
	mustOpen(t, h.k, ssh("192.0.2.7", time.Minute))
	if next := h.k.next(); !next.Equal(t0.Add(100 * time.Millisecond)) {
		t.Fatalf("next = %v, want end of the batch window", next)
	}
	h.at(99 * time.Millisecond)
	wantCounts(t, h, 0, 0)
	h.at(100 * time.Millisecond)
	wantCounts(t, h, 1, 1)
	if c, _ := h.fw.counts(); c != 0 {
		t.Fatalf("%d checks, want none: reload first, check only after a failed reload", c)
	}
}

func TestRefreshNoDuplicate(t *testing.T) {
	h := newHarness(t, baseConfig, nil)
	h.start(t)
	mustOpen(t, h.k, ssh("192.0.2.7", time.Minute))
	h.at(100 * time.Millisecond)
	d := ssh("192.0.2.7", time.Minute)
	d.Expires = t0.Add(10 * time.Minute)
	mustOpen(t, h.k, d)
	h.at(time.Second)
	ids := h.ownIDs(t)
	if len(ids) != 1 {
		t.Fatalf("own sections %v, want one", ids)
	}
	s := h.store.pkg(t).Section(ids[0])
	if got, want := expiryOf(t, s), marker(d.Expires, false); got != want {
		t.Fatalf("marker %q, want %q", got, want)
	}
	if got := s.Get("stop_date").Values[0]; got != "2026-11-25T21:10:00" {
		t.Fatalf("stop_date %q", got)
	}
	if h.rec.count(EventRefresh) != 1 || h.rec.count(EventOpen) != 1 {
		t.Fatalf("events:\n%s", h.rec)
	}
	// The old expiry is gone: nothing happens at t0+1m.
	h.at(time.Minute + time.Second)
	if len(h.ownIDs(t)) != 1 {
		t.Fatal("door closed at its old expiry")
	}
}

func TestCloseOnlyOurs(t *testing.T) {
	h := newHarness(t, baseConfig, nil)
	h.start(t)
	before := h.store.pkg(t)
	mustOpen(t, h.k, ssh("192.0.2.7", time.Hour))
	h.at(100 * time.Millisecond)
	h.k.Close("KnockSSH", netip.MustParseAddr("192.0.2.7"), 22)
	h.at(time.Second)
	after := h.store.pkg(t)
	if len(after.Sections) != len(before.Sections) {
		t.Fatalf("sections %d → %d:\n%s", len(before.Sections), len(after.Sections), h.store.text())
	}
	for i, s := range before.Sections {
		if !s.Equal(after.Sections[i]) {
			t.Fatalf("section %s changed:\n%s", s.Name, h.store.text())
		}
	}
	if e := h.rec.last(EventClose); e.Name != "KnockSSH_192.0.2.7_22" || e.Sequence != "ssh" {
		t.Fatalf("close event %+v", e)
	}
	wantCounts(t, h, 2, 2)
}

func TestExpiry(t *testing.T) {
	h := newHarness(t, baseConfig, nil)
	h.start(t)
	mustOpen(t, h.k, ssh("192.0.2.7", time.Minute))
	mustOpen(t, h.k, ssh("192.0.2.8", time.Minute+50*time.Millisecond))
	h.at(100 * time.Millisecond)
	if next := h.k.next(); !next.Equal(t0.Add(time.Minute)) {
		t.Fatalf("next wake-up %v, want the first expiry", next)
	}
	h.at(time.Minute)
	// Both go in one write: the second is due within the batch window.
	if ids := h.ownIDs(t); len(ids) != 0 {
		t.Fatalf("doors left: %v", ids)
	}
	if h.rec.count(EventExpire) != 2 {
		t.Fatalf("events:\n%s", h.rec)
	}
	wantCounts(t, h, 2, 2)
	if len(h.k.Doors()) != 0 {
		t.Fatal("Doors() still lists expired doors")
	}
}

func TestNoTimeoutNoStopDate(t *testing.T) {
	h := newHarness(t, baseConfig, nil)
	h.start(t)
	d := ssh("192.0.2.7", 0)
	d.Expires = time.Time{}
	mustOpen(t, h.k, d)
	h.at(100 * time.Millisecond)
	s := doorSection(h.store.pkg(t), d)
	if s.Get("stop_date") != nil || expiryOf(t, s) != "expires=0" {
		t.Fatalf("section:\n%s", uci.RenderSection(s))
	}
	if !h.k.next().IsZero() {
		t.Fatal("a door without timeout schedules a wake-up")
	}
}

// doorText renders a door section as another process would have left it.
func doorText(d Door) string {
	d, err := d.Normalize()
	if err != nil {
		panic(err)
	}
	return string(uci.RenderSection(Section(d, TimeLimit{})))
}

func TestReloadRetryBackoff(t *testing.T) {
	h := newHarness(t, baseConfig, nil)
	h.start(t)
	h.fw.reloadErrs = []error{errors.New("nft: boom"), errors.New("nft: boom")}
	mustOpen(t, h.k, ssh("192.0.2.7", time.Hour))
	h.at(100 * time.Millisecond)
	e := h.rec.last(EventReloadFailed)
	if !e.Retry.Equal(t0.Add(1100 * time.Millisecond)) {
		t.Fatalf("first retry at %v\n%s", e.Retry, h.rec)
	}
	h.at(1099 * time.Millisecond)
	wantCounts(t, h, 1, 1)
	h.at(1100 * time.Millisecond)
	if e := h.rec.last(EventReloadFailed); !e.Retry.Equal(t0.Add(3100 * time.Millisecond)) {
		t.Fatalf("second retry at %v (want doubled backoff)", e.Retry)
	}
	// New doors meanwhile do not cause a second reload in parallel.
	mustOpen(t, h.k, ssh("192.0.2.8", time.Hour))
	h.at(1200 * time.Millisecond)
	wantCounts(t, h, 2, 2)
	h.at(3100 * time.Millisecond)
	wantCounts(t, h, 2, 3)
	if h.rec.count(EventReload) != 2 || !h.k.next().Equal(t0.Add(time.Hour)) {
		t.Fatalf("events:\n%s", h.rec)
	}
}

func TestRollbackOnFailedCheck(t *testing.T) {
	h := newHarness(t, baseConfig, nil)
	h.start(t)
	good := ssh("192.0.2.7", time.Hour)
	mustOpen(t, h.k, good)
	h.at(100 * time.Millisecond)
	bad := ssh("192.0.2.66", time.Hour)
	h.fw.check = func() error { // this door breaks the ruleset
		if strings.Contains(h.store.text(), bad.ID()) {
			return errors.New("Error: comment too long")
		}
		return nil
	}
	h.k.Close(good.Prefix, good.Src, good.Port)
	mustOpen(t, h.k, bad)
	h.at(time.Second)
	if ids := h.ownIDs(t); len(ids) != 0 {
		t.Fatalf("after rollback own sections %v (want the bad one gone, the closed one still closed)", ids)
	}
	e := h.rec.last(EventRollback)
	if e.Section != bad.ID() || e.Err == nil {
		t.Fatalf("rollback event %+v\n%s", e, h.rec)
	}
	// good, then bad (fails), then the same without bad.
	if _, r := h.fw.counts(); r != 3 || h.fw.loads != 2 || len(h.k.Doors()) != 0 {
		t.Fatalf("reloads %d doors %v\n%s", r, h.k.Doors(), h.rec)
	}
}

func TestCheckFailsNotOurs(t *testing.T) {
	h := newHarness(t, baseConfig, nil)
	h.start(t)
	h.fw.check = func() error { return errors.New("broken by someone else") }
	d := ssh("192.0.2.7", time.Hour)
	mustOpen(t, h.k, d)
	h.at(100 * time.Millisecond)
	if ids := h.ownIDs(t); len(ids) != 1 {
		t.Fatalf("our door was not put back: %v\n%s", ids, h.rec)
	}
	if h.rec.count(EventRollback) != 0 || h.rec.count(EventReloadFailed) != 1 {
		t.Fatalf("events:\n%s", h.rec)
	}
	if h.fw.loads != 0 {
		t.Fatal("loaded a config that fails check")
	}
	h.fw.check = nil
	h.at(1100 * time.Millisecond)
	if h.fw.loads != 1 {
		t.Fatalf("no reload after the config was fixed\n%s", h.rec)
	}
}

func TestUnparsableConfigNeverWritten(t *testing.T) {
	const broken = "config rule 'x'\n\toption name 'unterminated\n"
	_, perr := uci.Parse("firewall", []byte(broken))
	if perr == nil {
		t.Fatal("fixture parses")
	}
	h := newHarness(t, baseConfig, nil)
	h.store.err = perr
	h.at(0)
	mustOpen(t, h.k, ssh("192.0.2.7", time.Hour))
	h.at(100 * time.Millisecond)
	if w, _ := h.store.counts(); w != 0 {
		t.Fatal("wrote while the config does not read")
	}
	e := h.rec.last(EventError)
	var pe *uci.ParseError
	if !errors.As(e.Err, &pe) || e.Retry.IsZero() {
		t.Fatalf("error event %+v", e)
	}
	// Fixed: the change notification retries the start-up at once (the
	// backoff would wait a second) and the queued door is written.
	h.store.err = nil
	h.k.st.noteChange(t0.Add(200*time.Millisecond), h.k.cfg.Batch)
	h.at(200 * time.Millisecond)
	if ids := h.ownIDs(t); len(ids) != 1 {
		t.Fatalf("queued door not written after the fix: %v\n%s", ids, h.rec)
	}
	// Broken again after start: writes fail and are retried, nothing written.
	h.store.err = perr
	h.k.Close("KnockSSH", netip.MustParseAddr("192.0.2.7"), 22)
	h.at(3 * time.Second)
	if e := h.rec.last(EventError); !errors.As(e.Err, &pe) {
		t.Fatalf("no error event for the failed write:\n%s", h.rec)
	}
	h.store.err = nil
	h.at(time.Minute)
	if ids := h.ownIDs(t); len(ids) != 0 {
		t.Fatalf("close lost while the config was broken: %v", ids)
	}
}

func TestKillSessions(t *testing.T) {
	h := newHarness(t, baseConfig, nil)
	h.start(t)
	d := ssh("2001:db8::7", time.Minute)
	d.Proto, d.KillSessions = "tcp udp", true
	keep := ssh("192.0.2.8", time.Minute) // default: sessions live on
	mustOpen(t, h.k, d)
	mustOpen(t, h.k, keep)
	h.at(100 * time.Millisecond)
	h.at(time.Minute)
	want := []killCall{{d.Src, "tcp", 22}, {d.Src, "udp", 22}}
	if fmt.Sprint(h.kill.calls) != fmt.Sprint(want) {
		t.Fatalf("kill calls %v, want %v", h.kill.calls, want)
	}
	if e := h.rec.last(EventSessionsKilled); e.Count != 2 {
		t.Fatalf("event %+v", e)
	}
}

func TestOpenRejectsBadDoors(t *testing.T) {
	h := newHarness(t, baseConfig, nil)
	d := ssh("192.0.2.7", time.Minute)
	d.Proto = "all"
	if err := h.k.Open(d); err == nil {
		t.Fatal("proto all accepted")
	}
	if _, err := New(Config{}); err == nil {
		t.Fatal("New without store accepted")
	}
}

func TestMaxDoors(t *testing.T) {
	h := newHarness(t, baseConfig, func(c *Config) { c.MaxDoors = 3 })
	h.start(t)
	for i := 0; i < 5; i++ {
		mustOpen(t, h.k, ssh(fmt.Sprintf("192.0.2.%d", 10+i), time.Hour))
	}
	mustOpen(t, h.k, ssh("192.0.2.10", 2*time.Hour)) // a refresh still works
	h.at(100 * time.Millisecond)
	if ids := h.ownIDs(t); len(ids) != 3 || h.rec.count(EventError) != 2 || h.rec.count(EventRefresh) != 0 {
		t.Fatalf("own %v\n%s", ids, h.rec)
	}
	// Repeated opens of one door are one queued change; distinct doors
	// fill the queue up to its cap.
	for i := 0; i < 4*3; i++ {
		if err := h.k.Open(ssh(fmt.Sprintf("198.51.100.%d", i), time.Hour)); err != nil {
			t.Fatalf("open %d refused: %v", i, err)
		}
	}
	if err := h.k.Open(ssh("192.0.2.10", time.Hour)); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("queue not capped: %v", err)
	}
	h.k.Close("KnockSSH", netip.MustParseAddr("192.0.2.10"), 22) // never refused
	h.at(time.Second)
	if len(h.ownIDs(t)) != 2 {
		t.Fatalf("close behind a full queue lost:\n%s", h.rec)
	}
}

// TestNoBatchWritesAtOnce: Batch NoBatch (batch_window '0') writes each
// change in the tick it arrives in, with no window to wait for. (Once a
// bug: New replaced it with the 100ms default.)
func TestNoBatchWritesAtOnce(t *testing.T) {
	h := newHarness(t, baseConfig, func(c *Config) { c.Batch = NoBatch })
	h.start(t)
	for i := 0; i < 5; i++ {
		at := time.Duration(i) * 40 * time.Millisecond
		h.clock.now = t0.Add(at)
		mustOpen(t, h.k, ssh(fmt.Sprintf("192.0.2.%d", 40+i), time.Hour))
		h.at(at)
		if w, _ := h.store.counts(); w != i+1 {
			t.Fatalf("open %d at +%v: %d writes, want %d (written at once)", i, at, w, i+1)
		}
	}
	wantCounts(t, h, 5, 5)
}

// TestRecheckFollowsZoneChange: after the time zone changed (LuCI, while
// the daemon runs), Recheck rewrites every door's stop_date in the new
// zone, with no other change to write.
func TestRecheckFollowsZoneChange(t *testing.T) {
	offset := time.Duration(0)
	h := newHarness(t, baseConfig, func(c *Config) {
		c.Limit = TimeLimit{Local: func(t time.Time) string { return t.UTC().Add(offset).Format(localtime.StopDateLayout) }}
	})
	h.start(t)
	d := ssh("192.0.2.7", time.Hour)
	mustOpen(t, h.k, d)
	h.at(100 * time.Millisecond)
	stop := func() string {
		return doorSection(h.store.pkg(t), d).Get("stop_date").Values[0]
	}
	if got := stop(); got != "2026-11-25T22:00:00" {
		t.Fatalf("stop_date %s", got)
	}
	offset = time.Hour // the zone moved to UTC+1
	h.k.Recheck()
	h.at(200 * time.Millisecond)
	if got := stop(); got != "2026-11-25T23:00:00" {
		t.Fatalf("stop_date after the zone change and Recheck: %s, want 2026-11-25T23:00:00", got)
	}
	h.k.Recheck() // nothing to change: nothing written
	w, _ := h.store.counts()
	h.at(300 * time.Millisecond)
	if w2, _ := h.store.counts(); w2 != w {
		t.Fatalf("Recheck with nothing to change wrote the file (%d → %d writes)", w, w2)
	}
}
