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
	ent   []probEntry
	heads []int32 // hash buckets, len a power of two; slot+1, 0 = empty
	hand  int     // the slot the next insertion overwrites
	live  int
}

// probEntry keeps a slot's fields together in 40 bytes: under a flood nearly
// every access is a cache miss, and one miss then brings the whole entry
// (separate arrays per field cost about twice the time).
// A zero mask marks a free slot.
type probEntry struct {
	key   [16]byte
	start int64
	mask  uint64
	meta  uint32 // word<<24 | the low 24 bits of the key's hash (to unlink without rehashing)
	next  int32  // hash chain: the next slot+1, 0 ends it
}

// probationSlotBytes is the memory one probation slot takes, bucket
// included.
const probationSlotBytes = 40 + 4

// maxLines bounds the sequence lines: a probation entry's word has 8 bits.
const maxLines = 64 << 8

func (p *probEntry) used() bool     { return p.mask != 0 }
func (p *probEntry) word() int      { return int(p.meta >> 24) }
func (p *probEntry) bucket() uint64 { return uint64(p.meta & 0xffffff) }

// newProbation allocates the ring and its buckets. Chains hold slot+1 so
// that the zero value means "none": nothing has to be written before use,
// and the kernel only backs the pages a knock has touched (the table is
// most of a flood-ready daemon's memory but nearly none of an idle one's).
func newProbation(n int) probation {
	return probation{ent: make([]probEntry, n), heads: make([]int32, pow2(n))}
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
	for i := p.heads[h&uint64(len(p.heads)-1)] - 1; i >= 0; i = p.ent[i].next - 1 {
		if p.ent[i].key == *key {
			idx = append(idx, i)
		}
	}
	return idx
}

// remove unlinks and frees slot i.
func (p *probation) remove(i int32) {
	b := &p.heads[p.ent[i].bucket()&uint64(len(p.heads)-1)]
	for j := *b - 1; j >= 0; j = p.ent[j].next - 1 {
		if j == i {
			*b = p.ent[i].next
			break
		}
		b = &p.ent[j].next
	}
	p.ent[i].mask = 0
	p.live--
}

// insert stores an entry in the slot under the hand and reports whether a
// live entry was overwritten.
func (p *probation) insert(key *[16]byte, h uint64, start int64, word int, mask uint64) (evicted bool) {
	i := int32(p.hand)
	p.hand++
	if p.hand == len(p.ent) {
		p.hand = 0
	}
	if p.ent[i].used() {
		p.remove(i)
		evicted = true
	}
	b := &p.heads[h&uint64(len(p.heads)-1)]
	p.ent[i] = probEntry{key: *key, start: start, mask: mask, meta: uint32(word)<<24 | uint32(h)&0xffffff, next: *b}
	*b = i + 1
	p.live++
	return evicted
}
