package door

import (
	"context"
	"crypto/sha256"
	"strings"
	"time"

	"github.com/uciknock/uciknock/uci"
)

// changeset is what one reconcile did to the file.
type changeset struct {
	added, readded []string
	present        []string // desired doors found in the file as read
	modified       []string
	// prev holds the section before our change for added (nil),
	// readded (nil) and modified ids: what a rollback restores.
	prev     map[string]*uci.Section
	removed  []*uci.Section
	lost     []string
	conflict []string
	// edited: doors whose section is present but no longer matches the
	// door (a user disabled it or changed what it matches); their kernel
	// element must not stay wider than the section.
	edited map[string]bool
}

func (c *changeset) empty() bool {
	return len(c.added)+len(c.readded)+len(c.modified)+len(c.removed) == 0
}

// adoptFile is the adopt job: it reads the config once and adopts the
// doors in it: live ones get their timers again, expired ones are
// removed by the first write. Until the config reads, nothing is
// written: a write must never remove doors we have not seen.
func (k *Keeper) adoptFile(now time.Time) {
	s := &k.st
	p, data, err := k.cfg.Store.Read()
	if err != nil {
		retry := k.retry(&s.adopt, now)
		k.emit(Event{Kind: EventError, Time: now, Err: err, Retry: retry,
			Reason: "cannot read the firewall config; no door is written until it reads"})
		return
	}
	s.started = true
	s.adopt.done()
	s.lastHash = sha256.Sum256(data)
	s.target = k.target()
	for _, sec := range p.Sections {
		exp, kill, ok := owned(sec)
		if !ok {
			continue
		}
		name := value(sec, "name")
		if name == "" {
			name = sec.Name
		}
		d, derr := DoorFromSection(sec)
		if derr != nil {
			kind := Rule
			if sec.Type == "redirect" {
				kind = Redirect
			}
			d, _ = doorFromName(kind, name)
			d.Kind, d.Expires, d.KillSessions = kind, exp, kill
		}
		if !exp.IsZero() && !exp.After(now) {
			s.bury(baseID(sec.Name), tomb{kind: EventExpire, reason: "expired while uciknock was not running", door: d, at: now})
			continue
		}
		s.seq++
		s.doors[baseID(sec.Name)] = &entry{door: d, name: name, seq: s.seq, partial: derr != nil, written: now, seen: true}
		if derr == nil && k.cfg.Kernel != nil {
			// After a restart or reboot the kernel may not have it;
			// a door a user edited stays with what the file says.
			k.cfg.Kernel.Open(d)
		}
	}
	s.write.due = now
	// Reload once at start whatever the reconcile finds: a crash between
	// a write and its reload leaves the running ruleset behind the file
	// (a closed door still open in the kernel, an opened one not yet).
	s.reload.due = now
	k.publish()
}

// checkFile is the check job: it re-reads the config after a change
// notification. If it differs from what we last saw and no longer
// matches the doors we want, the write job is asked for.
func (k *Keeper) checkFile(now time.Time) {
	s := &k.st
	s.check.done()
	k.followTarget()
	p, data, err := k.cfg.Store.Read()
	if err != nil {
		if msg := err.Error(); msg != s.lastErr {
			s.lastErr = msg
			k.emit(Event{Kind: EventError, Time: now, Err: err,
				Reason: "firewall config changed and does not read; not touching it"})
		}
		return
	}
	s.lastErr = ""
	h := sha256.Sum256(data)
	if h == s.lastHash {
		return // our own write, or nothing new
	}
	s.lastHash = h
	cs := reconcile(p, k.desired(), now)
	k.syncKernel(cs)
	s.markSeen(cs)
	if !cs.empty() || len(cs.lost) > 0 {
		s.write.ask(now)
	}
}

// flush is the write job (and the expire job, whose work is a write):
// it applies ops and due expiries to the desired doors and writes the
// result in one update.
func (k *Keeper) flush(ctx context.Context, now time.Time, ops []op) {
	s := &k.st
	for _, o := range ops {
		if o.open {
			k.applyOpen(o.door, o.live, now)
		} else {
			k.applyClose(o.door, o.reason, now)
		}
	}
	// Expire everything due within one batch window together: a burst
	// of doors opened together then closes with one write.
	limit := now.Add(k.cfg.Batch)
	for _, id := range s.orderedIDs() {
		e := s.doors[id]
		if x := e.door.Expires; !x.IsZero() && !x.After(limit) {
			k.takeAway(id, e, EventExpire, "timeout ran out", now)
		}
	}
	var cs *changeset
	k.followTarget()
	want := k.desired()
	changed, err := k.cfg.Store.Update(func(p *uci.Package) error {
		cs = reconcile(p, want, now)
		return nil
	})
	if err != nil {
		retry := k.retry(&s.write, now)
		k.emit(Event{Kind: EventError, Time: now, Err: err, Retry: retry,
			Reason: "firewall config not written (a config that does not parse is never rewritten); retrying"})
		k.publish()
		return
	}
	s.write.done()
	k.settle(cs, now)
	k.syncKernel(cs)
	if changed {
		// We do not know the bytes we wrote; forget the old hash so the
		// next change notification is looked at (and, being our own
		// write, found to need nothing: no loop).
		s.lastHash = [sha256.Size]byte{}
	}
	if changed && !cs.empty() {
		k.remember(cs)
		// At most one reload per batch window, whatever the input:
		// writes due to opens, closes and expiries can fall into the
		// same window (an expiry just past one batch's reach, the next
		// batch of opens a moment later); they share the next reload.
		at := now
		if next := s.reloaded.Add(k.cfg.Batch); !s.reloaded.IsZero() && next.After(now) {
			at = next
		}
		s.reload.ask(at)
	}
	k.publish()
}

// target is the file the Store reads and writes now, when it can say
// (uci.File.Target: the /var/run/uci override while it exists).
func (k *Keeper) target() string {
	if t, ok := k.cfg.Store.(interface{ Target() string }); ok {
		return t.Target()
	}
	return ""
}

// followTarget forgets which doors were seen when the Store moved to
// another file (the override appeared or went): a door seen only in the
// other file is missing from this one because it was never written here,
// not because someone deleted it, and is written again.
func (k *Keeper) followTarget() {
	s := &k.st
	t := k.target()
	if t == s.target {
		return
	}
	s.target = t
	for _, e := range s.doors {
		e.seen = false
	}
}

func (k *Keeper) applyOpen(d Door, live bool, now time.Time) {
	s := &k.st
	id := d.ID()
	delete(s.tombs, id)
	if e, ok := s.doors[id]; ok {
		// Refresh: only the expiry moves. The section keeps whatever
		// shape it has in the file (a user's edit stays).
		stored := e.fileExpires()
		if e.partial {
			e.door.Expires, e.door.KillSessions = d.Expires, d.KillSessions
		} else {
			e.door = d
		}
		e.refreshed = true
		if e.kernelOff {
			// A user's edit keeps the door out of the kernel; a refresh
			// only moves the expiry (Open put it in again: out it goes).
			k.kernelClose(d)
			live = false
		}
		// With the door live in the kernel (its timeout moved there),
		// the file keeps an expiry that is a little early rather than
		// costing a flash write per repeat knock.
		// (closeEnough is false for a zero stored expiry.)
		e.fileExp = time.Time{}
		if live && !e.partial && closeEnough(stored, d.Expires, d.Expires.Sub(d.Opened)) {
			e.fileExp = stored
		}
		return
	}
	if len(s.doors) >= k.cfg.MaxDoors {
		k.kernelClose(d)
		k.emit(Event{Kind: EventError, Time: now, Sequence: d.Sequence, Src: d.Src, Name: d.FwName(), Section: id,
			Reason: "too many open doors; not opening another (MaxDoors)"})
		return
	}
	s.seq++
	s.doors[id] = &entry{door: d, name: d.FwName(), seq: s.seq}
}

func (k *Keeper) applyClose(d Door, reason string, now time.Time) {
	s := &k.st
	for _, kind := range []Kind{Rule, Redirect} {
		d.Kind = kind
		id := d.ID()
		if e, ok := s.doors[id]; ok {
			k.takeAway(id, e, EventClose, reason, now)
			continue
		}
		// A door adopted at start-up whose options were edited is known
		// by its rule name (see doorFromName).
		name := d.FwName()
		for _, id := range s.orderedIDs() {
			if e := s.doors[id]; e.partial && e.door.Kind == kind && e.name == name {
				k.takeAway(id, e, EventClose, reason, now)
			}
		}
	}
}

// takeAway drops a desired door. Its removal from the file is reported
// when the write that removes it succeeds; a door never written is
// reported now.
func (k *Keeper) takeAway(id string, e *entry, kind EventKind, reason string, now time.Time) {
	s := &k.st
	// A close (knock, `uciknockd close`) reached the kernel when it was
	// asked for (CloseFor); telling it again now could take out the door
	// knocked open again since.
	k.drop(id, e, kind != EventClose)
	t := tomb{kind: kind, reason: reason, door: e.door, at: now}
	if e.written.IsZero() {
		t.reported = true
		k.emitDoor(kind, id, e.door, e.name, reason+" (before it was written)", now)
	}
	s.bury(id, t)
}

// desired is what the file should contain: the doors the keeper wants
// and how it writes them. It is the input of reconcile.
type desired struct {
	doors map[string]*entry
	order []string // ids in open order: new sections are appended so
	limit TimeLimit
	readd time.Duration
}

func (k *Keeper) desired() desired {
	return desired{doors: k.st.doors, order: k.st.orderedIDs(), limit: k.cfg.Limit, readd: k.cfg.Readd}
}

// reconcile makes the file's own sections match the desired doors and
// returns what it changed. It is a pure function of its arguments: no
// I/O, no clock, no keeper state written (Update may call it more than
// once, and settle applies its result afterwards). Every section that
// is not ours is left alone.
func reconcile(p *uci.Package, want desired, now time.Time) *changeset {
	cs := &changeset{prev: make(map[string]*uci.Section)}
	present := make(map[string]bool)
	foreign := make(map[string]bool)
	for i := 0; i < len(p.Sections); {
		sec := p.Sections[i]
		if _, _, ok := owned(sec); !ok {
			if !sec.Anonymous && strings.HasPrefix(sec.Name, SectionPrefix) {
				foreign[baseID(sec.Name)] = true
			}
			i++
			continue
		}
		id := baseID(sec.Name)
		e := want.doors[id]
		if e == nil || present[id] {
			cs.removed = append(cs.removed, sec)
			p.Delete(sec.Name)
			continue
		}
		present[id] = true
		cs.present = append(cs.present, id)
		if !matchesDoor(sec, e.door) {
			if cs.edited == nil {
				cs.edited = make(map[string]bool)
			}
			cs.edited[id] = true
		}
		// A rollback puts this copy back: detached from the source text,
		// so the safe update renders it anew.
		prev := sec.Clone()
		prev.Spans = nil
		// Edited in place (the same section, renamed when its expiry
		// moved), so the file keeps it where it is.
		setExpiry(sec, id, e.fileExpires(), e.door.KillSessions, want.limit)
		if !sec.Equal(prev) {
			cs.prev[id] = prev
			cs.modified = append(cs.modified, id)
		}
		i++
	}
	for _, id := range want.order {
		e := want.doors[id]
		switch {
		case present[id]:
		case foreign[id]:
			cs.conflict = append(cs.conflict, id)
		case e.written.IsZero():
			p.Sections = append(p.Sections, Section(e.door, want.limit))
			cs.added = append(cs.added, id)
			cs.prev[id] = nil
		case !e.partial && !e.seen && now.Sub(e.written) <= want.readd:
			p.Sections = append(p.Sections, Section(e.door, want.limit))
			cs.readded = append(cs.readded, id)
			cs.prev[id] = nil
		default:
			cs.lost = append(cs.lost, id)
		}
	}
	return cs
}

// matchesDoor reports whether our section still makes fw4 match what
// door d's kernel element matches: enabled and reading back as d.
func matchesDoor(sec *uci.Section, d Door) bool {
	if disabled(sec) {
		return false
	}
	got, err := DoorFromSection(sec)
	if err != nil {
		return false
	}
	got.Expires, got.Opened, got.Sequence, got.KillSessions = d.Expires, d.Opened, d.Sequence, d.KillSessions
	return got == d
}

// syncKernel keeps the fast path no wider than the file: a door a user
// disabled or edited leaves the kernel; one put back as it was returns.
func (k *Keeper) syncKernel(cs *changeset) {
	if k.cfg.Kernel == nil {
		return
	}
	for _, id := range cs.present {
		e := k.st.doors[id]
		if e == nil || e.partial {
			continue
		}
		switch off := cs.edited[id]; {
		case off && !e.kernelOff:
			e.kernelOff = true
			k.cfg.Kernel.Close(e.door)
		case !off && e.kernelOff:
			e.kernelOff = false
			k.cfg.Kernel.Open(e.door)
		}
	}
}
