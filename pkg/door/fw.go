package door

import (
	"context"
	"strings"
	"time"

	"github.com/uciknock/uciknock/uci"
)

// applyFirewall reloads the firewall once. fw4's reload is one atomic
// `nft -f`: a config that does not load leaves the running ruleset as it
// was, so it is tried first and the check (a second full render) runs
// only when the reload failed, to find out whether our own change is to
// blame; then the change is taken back and the reload tried again. A
// failed reload is retried with backoff. Only one runs at a time: the
// Run goroutine is the only caller.
func (k *Keeper) applyFirewall(ctx context.Context, now time.Time) {
	s := &k.st
	start := k.clock.Now()
	err := k.cfg.Reloader.Reload(ctx)
	if err != nil && ctx.Err() == nil && s.unchecked != nil {
		if cerr := k.cfg.Reloader.Check(ctx); cerr != nil && ctx.Err() == nil && k.rollback(ctx, now, cerr) {
			err = k.cfg.Reloader.Reload(ctx)
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return // shutting down: the reload stays owed
		}
		k.reloadFailed(now, err, "firewall reload failed")
		return
	}
	s.unchecked = nil
	s.reload.done()
	s.reloaded = now
	if r, ok := k.cfg.Kernel.(interface{ Reloaded(start time.Time) }); ok {
		// Doors closed before this reload have no fw4 rule any more.
		r.Reloaded(start)
	}
	k.emit(Event{Kind: EventReload, Time: now, Count: len(s.doors), Reason: "firewall reloaded"})
	k.runKills(now)
}

func (k *Keeper) reloadFailed(now time.Time, err error, reason string) {
	s := &k.st
	retry := k.retry(&s.reload, now)
	k.emit(Event{Kind: EventReloadFailed, Time: now, Err: err, Retry: retry, Reason: reason})
}

// rollback restores our sections as they were before the unchecked
// changes (new doors go, changed expiries return; removals stay, they
// only close) and checks again. If the check now passes our change was
// the culprit: the doors are dropped and reported, and it returns true.
// Otherwise the config is broken for another reason: our doors are put
// back and it returns false.
func (k *Keeper) rollback(ctx context.Context, now time.Time, checkErr error) bool {
	s := &k.st
	u := s.unchecked
	s.unchecked = nil
	_, err := k.cfg.Store.Update(func(p *uci.Package) error {
		k.restore(p, u)
		return nil
	})
	if err != nil {
		k.emit(Event{Kind: EventError, Time: now, Err: err, Reason: "could not take our change back after a failed check"})
		return false
	}
	s.lastHash = [32]byte{}
	if err := k.cfg.Reloader.Check(ctx); err != nil {
		// Not ours. Put our doors back; the reload is retried until
		// whoever broke the config fixes it.
		if _, err := k.cfg.Store.Update(func(p *uci.Package) error {
			reconcile(p, k.desired(), now)
			return nil
		}); err != nil {
			k.emit(Event{Kind: EventError, Time: now, Err: err, Reason: "could not write our doors back after a rollback"})
			s.write.due = now
		}
		return false
	}
	for _, id := range sortedKeys(u.prev) {
		e := s.doors[id]
		if e == nil {
			continue
		}
		prev := u.prev[id]
		if prev == nil {
			k.drop(id, e, true)
			s.bury(id, tomb{kind: EventRollback, reason: "rolled back", door: e.door, at: now, reported: true})
			k.emit(Event{Kind: EventRollback, Time: now, Sequence: e.door.Sequence, Src: e.door.Src, Name: e.name,
				Section: id, Err: checkErr, Reason: "firewall check failed with this door and passed without it; door not opened"})
			continue
		}
		exp, _, _ := owned(prev)
		e.door.Expires = exp
		k.emit(Event{Kind: EventRollback, Time: now, Sequence: e.door.Sequence, Src: e.door.Src, Name: e.name,
			Section: id, Err: checkErr, Reason: "firewall check failed after moving this door's expiry; old expiry kept"})
	}
	k.publish()
	return true
}

// restore puts our sections touched by u back as they were before it:
// new ones go, changed ones get their previous text (unless the door has
// been closed since). Sections that are not ours are left alone.
func (k *Keeper) restore(p *uci.Package, u *changeset) {
	for _, id := range sortedKeys(u.prev) {
		prev := u.prev[id]
		i := doorIndex(p, id)
		if i >= 0 {
			if _, _, ok := owned(p.Sections[i]); !ok {
				continue
			}
		}
		switch {
		case prev == nil && i >= 0:
			p.Delete(p.Sections[i].Name)
		case prev == nil || k.st.doors[id] == nil:
		case i >= 0:
			p.Sections[i] = prev.Clone()
		default:
			p.Sections = append(p.Sections, prev.Clone())
		}
	}
}

// runKills deletes the conntrack entries of doors closed by the reload
// that just succeeded, so their sessions end too.
func (k *Keeper) runKills(now time.Time) {
	s := &k.st
	kills := s.kills
	s.kills = nil
	if k.cfg.Sessions == nil {
		return
	}
	for _, d := range kills {
		total := 0
		var firstErr error
		for _, p := range strings.Fields(d.Proto) {
			n, err := k.cfg.Sessions.Kill(d.Src, p, d.Port)
			total += n
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}
		k.emit(Event{Kind: EventSessionsKilled, Time: now, Sequence: d.Sequence, Src: d.Src, Name: d.FwName(),
			Section: d.ID(), Count: total, Err: firstErr, Reason: "door closed; its sessions cut"})
	}
}
