package fastpath

import (
	"errors"

	"github.com/uciknock/uciknock/internal/nlattr"
)

// nftables netlink message types (linux/netfilter/nf_tables.h) and the
// subsystem id they are sent under (NFNL_SUBSYS_NFTABLES).
const (
	subsysNFTables = 10
	msgNewTable    = 0
	msgDelTable    = 2
	msgNewSet      = 9
	msgDelSet      = 11
	msgNewSetElem  = 12
	msgDelSetElem  = 14
	msgNewGen      = 15
	familyINet     = 1 // NFPROTO_INET
)

// change is what one nftables notification means for us.
type change struct {
	gen   bool   // NEWGEN: the end of a transaction
	lost  bool   // our table or one of our sets was created: elements gone
	set   string // element notifications: the set
	del   bool   // element deleted (else added)
	keys  [][]byte
	touch bool // anything about our table at all
	// newSet: NEWSET of one of ours, with its kernel handle. A reload
	// re-declaring an existing set sends one too (a set update, same
	// handle); a re-created set has a new handle.
	newSet string
	handle []byte
}

var errShort = errors.New("fastpath: short netlink message")

// parseEvent reads one nftables notification: typ is the netlink header
// type, data the payload (nfgenmsg + attributes). It never panics on
// malformed input (fuzzed) and ignores what is not about table inet fw4.
func parseEvent(typ uint16, data []byte) (change, error) {
	if typ>>8 != subsysNFTables {
		return change{}, nil
	}
	msg := typ & 0xff
	if msg == msgNewGen {
		return change{gen: true}, nil
	}
	if len(data) < 4 {
		return change{}, errShort
	}
	if data[0] != familyINet {
		return change{}, nil
	}
	attrs, err := parseAttrs(data[4:])
	if err != nil {
		return change{}, err
	}
	// Tables: NFTA_TABLE_NAME=1. Sets: NFTA_SET_TABLE=1, NFTA_SET_NAME=2.
	// Elements: NFTA_SET_ELEM_LIST_TABLE=1, _SET=2, _ELEMENTS=3.
	if cstr(attrs[1]) != Table {
		return change{}, nil
	}
	var c change
	c.touch = true
	switch msg {
	case msgNewTable:
		c.lost = true
	case msgNewSet:
		if name := cstr(attrs[2]); isOurs(name) {
			c.newSet, c.handle = name, attrs[16] // NFTA_SET_HANDLE
		}
	case msgNewSetElem, msgDelSetElem:
		c.set = cstr(attrs[2])
		if !isOurs(c.set) {
			return change{}, nil // elements of fw4's own sets: nothing for us
		}
		c.del = msg == msgDelSetElem
		c.keys, err = elemKeys(attrs[3])
		if err != nil {
			return change{}, err
		}
	}
	return c, nil
}

func isOurs(set string) bool {
	_, ok := zoneOf(set)
	return ok
}

// elemKeys reads the keys of NFTA_SET_ELEM_LIST_ELEMENTS: a list of
// NFTA_LIST_ELEM, each with NFTA_SET_ELEM_KEY (1) holding NFTA_DATA_VALUE (1).
func elemKeys(b []byte) ([][]byte, error) {
	var keys [][]byte
	err := nlattr.Walk(b, func(_ uint16, elem []byte) error {
		a, err := parseAttrs(elem)
		if err != nil {
			return err
		}
		k, err := parseAttrs(a[1])
		if err != nil {
			return err
		}
		if v := k[1]; len(v) > 0 {
			keys = append(keys, v)
		}
		return nil
	})
	return keys, err
}

// parseAttrs indexes the netlink attributes in b by type (flags
// stripped; the last of a repeated type wins; types above 31 ignored).
func parseAttrs(b []byte) ([32][]byte, error) {
	var out [32][]byte
	err := nlattr.Walk(b, func(t uint16, v []byte) error {
		if t < 32 {
			out[t] = v
		}
		return nil
	})
	return out, err
}

// cstr returns a NUL-terminated netlink string.
func cstr(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
