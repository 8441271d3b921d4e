package knock

import (
	"math/bits"
	"time"
)

// The view (vStage, vStart) is one source's stage and start time on every
// line while a knock is handled. It is loaded from the table the source
// lives in, advanced by step, and stored back.

func (e *Engine) clearView() {
	clear(e.vStage)
	clear(e.vStart)
}

func (e *Engine) loadTracked(slot int32, t int64) {
	n := e.trk.nlines
	base := int(slot) * n
	copy(e.vStage, e.trk.stage[base:base+n])
	copy(e.vStart, e.trk.start[base:base+n])
	for i, s := range e.vStage {
		if s > 0 && e.expired(i, e.vStart[i], t) {
			e.vStage[i] = 0
		}
	}
}

func (e *Engine) storeTracked(slot int32, h uint64) {
	lvl, deadline := e.level()
	if lvl == 0 {
		e.trk.release(slot, h)
		return
	}
	n := e.trk.nlines
	base := int(slot) * n
	copy(e.trk.stage[base:base+n], e.vStage)
	copy(e.trk.start[base:base+n], e.vStart)
	e.trk.touch(slot, lvl, deadline)
}

// loadFirst fills the view from the probation entries in e.idx.
func (e *Engine) loadFirst(t int64) {
	e.clearView()
	p := &e.first
	for _, j := range e.idx {
		for m := p.ent[j].mask; m != 0; m &= m - 1 {
			i := p.ent[j].word()*64 + bits.TrailingZeros64(m)
			if i < len(e.vStage) && !e.expired(i, p.ent[j].start, t) {
				e.vStage[i], e.vStart[i] = 1, p.ent[j].start
			}
		}
	}
}

// storeFirst writes a view whose stages are all 0 or 1 back to probation:
// entries that still describe the view exactly stay where they are in the
// ring; the rest are removed and the stage-1 lines they no longer cover are
// inserted anew, one entry per (start, word).
func (e *Engine) storeFirst(h uint64) {
	p := &e.first
	clear(e.covered)
	for _, j := range e.idx {
		keep := true
		for m := p.ent[j].mask; m != 0; m &= m - 1 {
			i := p.ent[j].word()*64 + bits.TrailingZeros64(m)
			if i >= len(e.vStage) || e.vStage[i] != 1 || e.vStart[i] != p.ent[j].start {
				keep = false
				break
			}
		}
		if !keep {
			p.remove(j)
			continue
		}
		for m := p.ent[j].mask; m != 0; m &= m - 1 {
			e.covered[p.ent[j].word()*64+bits.TrailingZeros64(m)] = true
		}
	}
	for i, s := range e.vStage {
		if s != 1 || e.covered[i] {
			continue
		}
		word, start := i/64, e.vStart[i]
		var mask uint64
		for j := i; j < len(e.vStage) && j/64 == word; j++ {
			if e.vStage[j] == 1 && !e.covered[j] && e.vStart[j] == start {
				mask |= 1 << (j % 64)
				e.covered[j] = true
			}
		}
		if p.insert(&e.key, h, start, word, mask) {
			e.stats.FirstOverwritten++
		}
	}
}

// promote moves a source that reached stage lvl >= 2 from probation to the
// tracked table, evicting a victim if the table is full. When every tracked
// source has progressed further, the newcomer's progress beyond stage 1 is
// dropped and promote returns false.
func (e *Engine) promote(h uint64, lvl uint8, deadline, t int64) bool {
	slot := e.trk.alloc(&e.key, h)
	if slot < 0 {
		v := e.trk.victim(lvl, t)
		if v < 0 {
			e.stats.Refused++
			for i, s := range e.vStage {
				if s >= 2 {
					e.vStage[i] = 0
				}
			}
			return false
		}
		e.trk.release(v, e.hash(&e.trk.key[v]))
		e.stats.Evicted++
		slot = e.trk.alloc(&e.key, h)
	}
	for _, j := range e.idx {
		e.first.remove(j)
	}
	n := e.trk.nlines
	base := int(slot) * n
	copy(e.trk.stage[base:base+n], e.vStage)
	copy(e.trk.start[base:base+n], e.vStart)
	e.trk.touch(slot, lvl, deadline)
	return true
}

// Expire frees the state of every attempt that has timed out at now. Handle
// already ignores timed-out attempts and reuses their slots, so Expire is
// needed only to keep Stats exact; its work is proportional to the table
// sizes (about 40k slots by default, well under a millisecond).
func (e *Engine) Expire(now time.Time) (freed int) {
	t := now.UnixNano()
	e.advance(t)
	for i := range e.trk.key {
		if !e.trk.used[i] {
			continue
		}
		slot := int32(i)
		e.loadTracked(slot, t)
		if lvl, _ := e.level(); lvl == 0 {
			e.trk.release(slot, e.hash(&e.trk.key[i]))
			freed++
		}
	}
	p := &e.first
	for j := range p.ent {
		if !p.ent[j].used() {
			continue
		}
		live := false
		for m := p.ent[j].mask; m != 0 && !live; m &= m - 1 {
			i := p.ent[j].word()*64 + bits.TrailingZeros64(m)
			live = i < len(e.lines) && !e.expired(i, p.ent[j].start, t)
		}
		if !live {
			p.remove(int32(j))
			freed++
		}
	}
	return freed
}
