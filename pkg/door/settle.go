package door

import (
	"time"

	"github.com/uciknock/uciknock/uci"
)

// settle brings the desired state in line with a successful write and
// reports what it did, one event per door.
func (k *Keeper) settle(cs *changeset, now time.Time) {
	s := &k.st
	s.markSeen(cs)
	for _, id := range cs.added {
		e := s.doors[id]
		e.written, e.refreshed, e.fileExp = now, false, time.Time{}
		k.emitDoor(EventOpen, id, e.door, e.name, "knock sequence completed", now)
	}
	for _, id := range cs.readded {
		e := s.doors[id]
		e.written, e.fileExp = now, time.Time{}
		k.emitDoor(EventReadded, id, e.door, e.name, "section lost to a concurrent writer; written again", now)
	}
	modified := make(map[string]bool, len(cs.modified))
	for _, id := range cs.modified {
		modified[id] = true
	}
	for _, id := range s.orderedIDs() {
		e := s.doors[id]
		switch {
		case e.refreshed:
			e.refreshed = false
			k.emitDoor(EventRefresh, id, e.door, e.name, "knock sequence completed again; expiry moved", now)
		case modified[id]:
			k.emitDoor(EventRestored, id, e.door, e.name, "expiry (stop_date, section id) did not match the door; rewritten", now)
		}
	}
	for _, sec := range cs.removed {
		k.settleRemoved(sec, now)
	}
	for _, id := range cs.lost {
		e := s.doors[id]
		k.drop(id, e, true)
		s.bury(id, tomb{kind: EventRemoved, reason: "deleted by another writer", door: e.door, at: now, reported: true})
		k.emitDoor(EventRemoved, id, e.door, e.name, "deleted from the config by someone else; not written again", now)
	}
	for _, id := range cs.conflict {
		e := s.doors[id]
		k.drop(id, e, true)
		k.emit(Event{Kind: EventError, Time: now, Sequence: e.door.Sequence, Src: e.door.Src, Name: e.name, Section: id,
			Reason: "a section with this id exists and is not a uciknock door; door not opened"})
	}
}

func (k *Keeper) settleRemoved(sec *uci.Section, now time.Time) {
	s := &k.st
	id := baseID(sec.Name)
	name := value(sec, "name")
	if name == "" {
		name = id
	}
	t, ok := s.tombs[id]
	if !ok {
		d, _ := DoorFromSection(sec)
		t = tomb{kind: EventRemoved, reason: "not a door of this uciknock run (fail-closed)", door: d, at: now}
	} else if t.reported {
		t.kind, t.reason = EventRemoved, "reappeared after it was "+pastTense(t.kind)+" (fail-closed); removed again"
	}
	if t.door.Src.IsValid() {
		k.emitDoor(t.kind, id, t.door, name, t.reason, now)
	} else {
		k.emit(Event{Kind: t.kind, Time: now, Name: name, Section: id, Reason: t.reason})
	}
	if !t.reported {
		t.reported = true
		s.tombs[id] = t
	}
	if _, kill, _ := owned(sec); kill && t.door.Src.IsValid() && t.door.Port != 0 {
		s.kills = append(s.kills, t.door)
	}
}

// drop forgets the desired door id and, when kernel is set, takes it out
// of the fast path too.
func (k *Keeper) drop(id string, e *entry, kernel bool) {
	delete(k.st.doors, id)
	if kernel {
		k.kernelClose(e.door)
	}
}

// kernelClose takes a door out of the fast path, if there is one.
func (k *Keeper) kernelClose(d Door) {
	if k.cfg.Kernel != nil {
		k.cfg.Kernel.Close(d)
	}
}

func (k *Keeper) emitDoor(kind EventKind, id string, d Door, name, reason string, now time.Time) {
	k.emit(Event{Kind: kind, Time: now, Sequence: d.Sequence, Src: d.Src, Name: name, Section: id, Reason: reason})
}

// remember adds a write's changes to those not yet checked, keeping the
// oldest previous version of each section for a rollback.
func (k *Keeper) remember(cs *changeset) {
	s := &k.st
	if s.unchecked == nil {
		s.unchecked = &changeset{prev: make(map[string]*uci.Section)}
	}
	u := s.unchecked
	for _, ids := range [][]string{cs.added, cs.readded, cs.modified} {
		for _, id := range ids {
			if _, seen := u.prev[id]; !seen {
				u.prev[id] = cs.prev[id]
			}
		}
	}
	u.added = append(u.added, cs.added...)
	u.readded = append(u.readded, cs.readded...)
	u.modified = append(u.modified, cs.modified...)
	u.removed = append(u.removed, cs.removed...)
}

func pastTense(k EventKind) string {
	switch k {
	case EventClose:
		return "closed"
	case EventExpire:
		return "expired"
	case EventRollback:
		return "rolled back"
	}
	return "removed"
}
