package capture

import (
	"sync"
	"time"
)

// dedupWindow is how close in time two copies of one packet arrive on
// stacked interfaces: microseconds in practice, the same softirq.
const dedupWindow = 10 * time.Millisecond

// Dedup remembers the last few packets seen, to drop the copies of one
// packet that show up once per interface it crosses: on a bridge port
// and then on the bridge, on a VLAN's parent (with VLAN offload) and on
// the VLAN. Such copies have identical bytes and different interface
// indexes; a retransmission comes on the same interface and is not a
// copy. Counting a copy as a second knock would make the engine see a
// repeated step and reset the attempt, and no sequence would complete.
//
// A Listener on all interfaces has its own. Listeners on such
// interfaces configured one by one share one (WithDedup): it is safe for
// concurrent use.
type Dedup struct {
	mu sync.Mutex // guards entries and next
	// 64: with several Listeners the copies are read up to a coalescing
	// wait apart (DefaultCoalesce), with other knocks in between.
	entries [64]dedupEntry
	next    int
}

type dedupEntry struct {
	hash    uint64
	ifindex int32
	at      int64 // Unix nanoseconds
}

// seen reports whether b is a copy of a packet seen on another interface
// within dedupWindow, and remembers it otherwise.
func (d *Dedup) seen(b []byte, ifindex int32, t time.Time) bool {
	h := uint64(14695981039346656037) // FNV-1a
	for _, c := range b {
		h = (h ^ uint64(c)) * 1099511628211
	}
	at := t.UnixNano()
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, e := range d.entries {
		if e.hash == h && e.ifindex != ifindex && e.at != 0 && at-e.at < int64(dedupWindow) && e.at-at < int64(dedupWindow) {
			return true
		}
	}
	d.entries[d.next] = dedupEntry{hash: h, ifindex: ifindex, at: at}
	d.next = (d.next + 1) % len(d.entries)
	return false
}

// WithDedup makes the Listener drop packets that another Listener sharing
// d saw on another interface within a few milliseconds (same bytes from
// the network header on; the kernel's receive time).
func WithDedup(d *Dedup) Option { return func(o *options) { o.dedup = d } }
