package knock

// tracked holds the state of sources that progressed past stage 1 of some
// line (or that did and fell back): per source, the stage and start time of
// every line. Its slots are preallocated; when it is full, the victim is the
// least recently active source among those of the lowest progress level, and
// only if that level is at most the newcomer's, so a source is never evicted
// for one that has progressed less (see the package documentation).
type tracked struct {
	nlines   int
	key      [][16]byte
	next     []int32 // hash chain; -1 ends it
	used     []bool
	level    []uint8 // highest stage over the source's lines, 1..MaxSteps-1
	deadline []int64 // when the last of its attempts times out
	prev     []int32 // level list links, oldest activity at the head
	succ     []int32
	lhead    [MaxSteps]int32
	ltail    [MaxSteps]int32
	heads    []int32 // hash buckets, len a power of two
	free     []int32 // stack of free slots
	stage    []uint8 // [slot*nlines + line]
	start    []int64 // [slot*nlines + line]
}

func newTracked(n, nlines int) tracked {
	t := tracked{
		nlines:   nlines,
		key:      make([][16]byte, n),
		next:     make([]int32, n),
		used:     make([]bool, n),
		level:    make([]uint8, n),
		deadline: make([]int64, n),
		prev:     make([]int32, n),
		succ:     make([]int32, n),
		heads:    make([]int32, pow2(n)),
		free:     make([]int32, n),
		stage:    make([]uint8, n*nlines),
		start:    make([]int64, n*nlines),
	}
	for i := range t.heads {
		t.heads[i] = -1
	}
	for i := range t.lhead {
		t.lhead[i], t.ltail[i] = -1, -1
	}
	for i := range t.free {
		t.free[i] = int32(n - 1 - i)
	}
	return t
}

// trackedSlotBytes is the memory one tracked slot takes, bucket included,
// before the per-line arrays (9 bytes per line).
const trackedSlotBytes = 16 + 4 + 1 + 1 + 8 + 4 + 4 + 4 + 4

func (t *tracked) live() int { return len(t.key) - len(t.free) }

func (t *tracked) find(key *[16]byte, h uint64) int32 {
	for i := t.heads[h&uint64(len(t.heads)-1)]; i >= 0; i = t.next[i] {
		if t.key[i] == *key {
			return i
		}
	}
	return -1
}

func (t *tracked) unlinkLevel(i int32) {
	l := t.level[i]
	if t.prev[i] >= 0 {
		t.succ[t.prev[i]] = t.succ[i]
	} else {
		t.lhead[l] = t.succ[i]
	}
	if t.succ[i] >= 0 {
		t.prev[t.succ[i]] = t.prev[i]
	} else {
		t.ltail[l] = t.prev[i]
	}
}

// touch (re)appends slot i to the tail of its level's list.
func (t *tracked) touch(i int32, level uint8, deadline int64) {
	if t.level[i] != 0 {
		t.unlinkLevel(i)
	}
	t.level[i], t.deadline[i] = level, deadline
	t.prev[i], t.succ[i] = t.ltail[level], -1
	if t.ltail[level] >= 0 {
		t.succ[t.ltail[level]] = i
	} else {
		t.lhead[level] = i
	}
	t.ltail[level] = i
}

// alloc takes a free slot and links it under key; -1 when none is free.
func (t *tracked) alloc(key *[16]byte, h uint64) int32 {
	if len(t.free) == 0 {
		return -1
	}
	i := t.free[len(t.free)-1]
	t.free = t.free[:len(t.free)-1]
	t.key[i] = *key
	b := &t.heads[h&uint64(len(t.heads)-1)]
	t.next[i] = *b
	*b = i
	t.used[i] = true
	t.level[i] = 0
	return i
}

// release frees slot i; h is its key's hash.
func (t *tracked) release(i int32, h uint64) {
	b := &t.heads[h&uint64(len(t.heads)-1)]
	for j := *b; j >= 0; j = t.next[j] {
		if j == i {
			*b = t.next[i]
			break
		}
		b = &t.next[j]
	}
	if t.level[i] != 0 {
		t.unlinkLevel(i)
	}
	t.level[i] = 0
	t.used[i] = false
	t.free = append(t.free, i)
}

// victim picks the slot to evict for a newcomer at level lvl at time now:
// a source whose attempts have all timed out if one is at the head of a
// level list, else the least recently active source of the lowest level,
// if that level is <= lvl. It returns -1 when every tracked source has
// progressed further than the newcomer.
func (t *tracked) victim(lvl uint8, now int64) int32 {
	for l := 1; l < MaxSteps; l++ {
		if h := t.lhead[l]; h >= 0 && t.deadline[h] <= now {
			return h
		}
	}
	for l := 1; l <= int(lvl) && l < MaxSteps; l++ {
		if h := t.lhead[l]; h >= 0 {
			return h
		}
	}
	return -1
}
