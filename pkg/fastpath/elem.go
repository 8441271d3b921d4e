package fastpath

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/uciknock/uciknock/pkg/door"
)

// ErrNoFastPath means a door cannot be put into the kernel at once: its
// zone has no uciknock sets (include missing, another zone than the
// ones installed, "*"), or there is no fw4 table at all. The door still
// opens through the firewall config and a reload.
var ErrNoFastPath = errors.New("fastpath: no kernel fast path for this door")

// Table is fw4's table, where the includes declare our sets.
const Table = "fw4"

// SetPrefix starts the name of every set and map of ours.
const SetPrefix = "uciknock_"

// Set kinds, the suffix of a set name after the zone.
const (
	kindIn   = "in"   // rule doors: accept in input_<zone>
	kindDNAT = "dnat" // redirect doors: dnat map
	kindFwd  = "fwd"  // redirect doors: accept the DNATed flow in forward_<zone>
	// kindShut holds closed doors (saddr . l4proto . port) until the
	// reload that removes their UCI section: their fw4 rule is still in
	// the running ruleset, and a close must refuse the next SYN.
	kindShut = "shut"
)

var kinds = []string{kindIn, kindDNAT, kindFwd, kindShut}

// DevSetName is the set of a zone's interfaces (type ifname) that the
// dnat lookup in fw4's dstnat chain is limited to: what fw4's own jump to
// dstnat_<zone> matches. The daemon fills it from fw4's ruleset
// (Doors.SyncDevices): the include cannot use fw4's $<zone>_devices,
// which is an empty set (an nft error) while the zone has no device up,
// and undefined when the zone does not exist — either would make the
// whole fw4 ruleset fail to load.
func DevSetName(zone string) string { return SetPrefix + zone + "_dev" }

// ifname is an interface name as nft stores it: 16 bytes, NUL-padded.
func ifname(s string) ([]byte, bool) {
	if s == "" || len(s) > 15 || strings.ContainsRune(s, 0) {
		return nil, false
	}
	b := make([]byte, 16)
	copy(b, s)
	return b, true
}

// shutElems returns the shut-set elements of a door: the key
// (saddr . l4proto . port) of its accept or dnat element per protocol.
func shutElems(d door.Door, elems []Elem) []Elem {
	v := 6
	if d.Src.Unmap().Is4() {
		v = 4
	}
	var out []Elem
	for _, e := range elems {
		rule := d.Kind == door.Rule
		if rule || e.Val != nil { // a redirect's forward element has another key
			out = append(out, Elem{Set: SetName(d.SrcZone, kindShut, v), Key: e.Key})
		}
	}
	return out
}

// SetName is the name of a set of ours for zone, kind ("in", "dnat",
// "fwd") and IP version (4 or 6): uciknock_wan_in4.
func SetName(zone, kind string, v int) string {
	return fmt.Sprintf("%s%s_%s%d", SetPrefix, zone, kind, v)
}

// Elem is one set or map element.
type Elem struct {
	Set string // set or map name in table inet fw4
	Key []byte
	Val []byte // map data; nil for a set
}

// String names an element in errors: set, key and map data in hex.
func (e Elem) String() string {
	if e.Val == nil {
		return fmt.Sprintf("%s %x", e.Set, e.Key)
	}
	return fmt.Sprintf("%s %x : %x", e.Set, e.Key, e.Val)
}

// Elements returns the kernel elements of a normalised door: one per
// protocol for a rule; a dnat map element and a forward accept element
// per protocol for a redirect. Keys are laid out as nft lays out a
// concatenation: each field padded to a multiple of 4 bytes, in network
// byte order.
func Elements(d door.Door) ([]Elem, error) {
	if !d.Src.IsValid() || d.Port == 0 {
		return nil, fmt.Errorf("fastpath: door %s: no source or port", d.Name())
	}
	src := d.Src.Unmap()
	if door.CheckZone(d.SrcZone) != nil { // "*" (any zone) has no chain, so no fast path
		return nil, fmt.Errorf("%w: zone %q", ErrNoFastPath, d.SrcZone)
	}
	v := 6
	if src.Is4() {
		v = 4
	}
	protos := strings.Fields(d.Proto)
	if len(protos) == 0 {
		protos = []string{"tcp"}
	}
	var out []Elem
	for _, p := range protos {
		pn, ok := protoNum(p)
		if !ok {
			return nil, fmt.Errorf("fastpath: door %s: proto %q: only tcp and udp", d.Name(), p)
		}
		key := concat(nil, src, pn, d.Port)
		switch d.Kind {
		case door.Rule:
			out = append(out, Elem{Set: SetName(d.SrcZone, kindIn, v), Key: key})
		case door.Redirect:
			dst := d.DestIP.Unmap()
			if !dst.IsValid() || dst.Is4() != src.Is4() {
				return nil, fmt.Errorf("fastpath: door %s: dest_ip %s does not match the source family", d.Name(), d.DestIP)
			}
			port := d.DestPort
			if port == 0 {
				port = d.Port
			}
			val := appendAddr(nil, dst)
			val = appendPort(val, port)
			out = append(out,
				Elem{Set: SetName(d.SrcZone, kindDNAT, v), Key: key, Val: val},
				Elem{Set: SetName(d.SrcZone, kindFwd, v), Key: appendPort(appendAddr(appendProto(appendAddr(nil, src), pn), dst), port)})
		default:
			return nil, fmt.Errorf("fastpath: door %s: unknown kind", d.Name())
		}
	}
	return out, nil
}

func protoNum(p string) (byte, bool) {
	switch p {
	case "tcp":
		return 6, true
	case "udp":
		return 17, true
	}
	return 0, false
}

func concat(b []byte, a netip.Addr, proto byte, port uint16) []byte {
	return appendPort(appendProto(appendAddr(b, a), proto), port)
}

func appendAddr(b []byte, a netip.Addr) []byte {
	s := a.AsSlice()
	return append(b, s...) // 4 or 16 bytes: already aligned
}

// appendProto adds an inet_proto field: 1 byte padded to a register.
func appendProto(b []byte, p byte) []byte { return append(b, p, 0, 0, 0) }

// appendPort adds an inet_service field: 2 bytes, big endian, padded.
func appendPort(b []byte, p uint16) []byte {
	b = binary.BigEndian.AppendUint16(b, p)
	return append(b, 0, 0)
}
