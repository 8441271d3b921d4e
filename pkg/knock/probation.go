package knock

// probation holds first-knock state: sources that are at stage 1 of some
// lines and have progressed nowhere further. It is a FIFO ring: a new entry
// overwrites the oldest slot, live or not, so a flood of first knocks can
// only churn through this ring and never touches the tracked table, and
// every entry survives at least len(ring)-1 later insertions.
//
// An entry records "the lines word*64+b for each set bit b of mask reached
// stage 1 at start". A source has one entry per distinct (start, word); the
// masks of one source's entries are disjoint.
type probation struct {
	key   [][16]byte
	start []int64
	mask  []uint64
	word  []uint16
	next  []int32 // hash chain; -1 ends it
	used  []bool
	heads []int32 // hash buckets, len a power of two
	hand  int     // the slot the next insertion overwrites
	live  int
}

func newProbation(n int) probation {
	p := probation{
		key:   make([][16]byte, n),
		start: make([]int64, n),
		mask:  make([]uint64, n),
		word:  make([]uint16, n),
		next:  make([]int32, n),
		used:  make([]bool, n),
		heads: make([]int32, pow2(n)),
	}
	for i := range p.heads {
		p.heads[i] = -1
	}
	return p
}

// pow2 returns the smallest power of two >= n.
func pow2(n int) int {
	p := 1
	for p < n {
		p <<= 1
	}
	return p
}

// find appends the indices of key's entries to idx.
func (p *probation) find(key *[16]byte, h uint64, idx []int32) []int32 {
	for i := p.heads[h&uint64(len(p.heads)-1)]; i >= 0; i = p.next[i] {
		if p.key[i] == *key {
			idx = append(idx, i)
		}
	}
	return idx
}

// remove unlinks and frees slot i.
func (p *probation) remove(i int32, h uint64) {
	b := &p.heads[h&uint64(len(p.heads)-1)]
	for j := *b; j >= 0; j = p.next[j] {
		if j == i {
			*b = p.next[i]
			break
		}
		b = &p.next[j]
	}
	p.used[i] = false
	p.live--
}

// insert stores an entry in the slot under the hand. It reports whether a
// live entry was overwritten; hashOf recomputes that entry's bucket.
func (p *probation) insert(key *[16]byte, h uint64, start int64, word uint16, mask uint64, hashOf func(*[16]byte) uint64) (evicted bool) {
	i := int32(p.hand)
	p.hand++
	if p.hand == len(p.key) {
		p.hand = 0
	}
	if p.used[i] {
		p.remove(i, hashOf(&p.key[i]))
		evicted = true
	}
	p.key[i], p.start[i], p.word[i], p.mask[i] = *key, start, word, mask
	b := &p.heads[h&uint64(len(p.heads)-1)]
	p.next[i] = *b
	*b = i
	p.used[i] = true
	p.live++
	return evicted
}

// bytesPerSlot is the memory one probation slot takes, bucket included.
const probationSlotBytes = 16 + 8 + 8 + 2 + 4 + 1 + 4
