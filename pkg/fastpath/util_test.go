package fastpath

import (
	"encoding/binary"
	"io"
	"net/netip"
	"strings"
)

func stringsReader(s string) io.Reader { return strings.NewReader(s) }
func contains(s, sub string) bool      { return strings.Contains(s, sub) }

// Test helpers: what only the tests read out of Doors and set keys.

// Live reports whether the door with section id id is in the kernel.
func (t *Doors) Live(id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.want[id]
	return l != nil && l.in
}

// Count returns how many doors are wanted and how many of them are in
// the kernel.
func (t *Doors) Count() (wanted, in int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, l := range t.want {
		if l.in {
			in++
		}
	}
	return len(t.want), in
}

// parseKey reads a set key back (for the fuzz test): address, proto
// number, port. ok is false when the layout does not fit.
func parseKey(k []byte) (a netip.Addr, proto byte, port uint16, ok bool) {
	var n int
	switch len(k) {
	case 4 + 8:
		n = 4
	case 16 + 8:
		n = 16
	default:
		return netip.Addr{}, 0, 0, false
	}
	a, _ = netip.AddrFromSlice(k[:n])
	if k[n+1] != 0 || k[n+2] != 0 || k[n+3] != 0 || k[n+6] != 0 || k[n+7] != 0 {
		return netip.Addr{}, 0, 0, false
	}
	return a, k[n], binary.BigEndian.Uint16(k[n+4:]), true
}
