package door

import (
	"errors"
	"fmt"
	"hash/fnv"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Kind says which firewall section a door is.
type Kind int

const (
	// Rule is an "open" door: a `config rule` that accepts the knocking
	// source on a port of the router.
	Rule Kind = iota
	// Redirect is a "forward" door: a `config redirect` (DNAT) from the
	// knocking source to a host behind the router.
	Redirect
)

// String returns the UCI section type of the kind.
func (k Kind) String() string {
	switch k {
	case Rule:
		return "rule"
	case Redirect:
		return "redirect"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Defaults filled in by Normalize.
const (
	DefaultSrcZone  = "wan"
	DefaultDestZone = "lan"
	DefaultProto    = "tcp"
)

// Name length limits. fw4 writes the nft comment `!fw4: <name>` without
// shortening it and nft rejects comments over 128 bytes, which makes the
// whole reload fail (golden cases 011: 122 bytes load, 012: 123 fail). A
// redirect whose user later turns NAT reflection back on in LuCI also gets
// `<name> (reflection)`, so redirects keep 13 more bytes free.
const (
	MaxRuleName     = 122
	MaxRedirectName = 109
)

// Door is one opening in the firewall for one knocking source.
type Door struct {
	Kind Kind
	// Prefix starts the rule name (the sequence's configured prefix, as in
	// uciknockd.sh: KnockSSH_192.0.2.7_22).
	Prefix string
	// Sequence names the knock sequence that opened the door; it only
	// travels into events.
	Sequence string
	// Src is the knocking source: the only address the door admits.
	Src netip.Addr
	// Proto is "tcp", "udp" or "tcp udp"; empty means tcp.
	Proto string
	// Port is dest_port of a rule, src_dport of a redirect.
	Port uint16
	// SrcZone defaults to wan; DestZone (redirect only) to lan.
	SrcZone, DestZone string
	// DestIP and DestPort are the redirect target (DestPort 0 = Port).
	DestIP   netip.Addr
	DestPort uint16
	// Expires is when the door closes by itself; zero means never.
	Expires time.Time
	// Opened is when the sequence completed (informational).
	Opened time.Time
	// KillSessions asks for the source's conntrack entries to the port to
	// be deleted once the door is closed.
	KillSessions bool
}

// Name is the human-readable rule name Prefix_IP_port, before any
// shortening (see FwName).
func (d Door) Name() string {
	return d.Prefix + "_" + d.Src.Unmap().WithZone("").String() + "_" + strconv.Itoa(int(d.Port))
}

// FwName is the `option name` written to the firewall: Name, or, when
// that is longer than fw4 can load, the prefix cut short and marked with
// "~" and a hash of the full name, so that the address and port stay
// readable and two long names never collide.
func (d Door) FwName() string {
	full := d.Name()
	max := MaxRuleName
	if d.Kind == Redirect {
		max = MaxRedirectName
	}
	if len(full) <= max {
		return full
	}
	tail := full[len(d.Prefix):] // "_IP_port"
	mark := "~" + hash8(full)
	keep := max - len(tail) - len(mark)
	if keep < 0 {
		keep = 0
	}
	head := d.Prefix[:keep]
	for len(head) > 0 && !utf8.ValidString(head) {
		head = head[:len(head)-1]
	}
	return head + mark + tail
}

// SectionPrefix starts the id of every section this package writes. A
// section is ours only if it is a named rule or redirect whose whole id
// has the shape SectionName writes (or, from an earlier version, that
// carries MarkerOption): see owned.
const SectionPrefix = "uciknock_"

// maxIDName bounds the readable part of a section id.
const maxIDName = 80

// ID is the door's identity, the part of its UCI section id that never
// changes (SectionName appends the expiry): SectionPrefix, the name with
// every byte outside [A-Za-z0-9_] replaced by '_', and a hash of kind and
// full name, so the id is stable for the same door and different for
// doors whose names sanitise alike (KnockSSH_2001:db8::7_22 and a prefix
// that already contains underscores).
func (d Door) ID() string {
	return idFor(d.Kind, d.Name())
}

func idFor(k Kind, name string) string {
	b := make([]byte, 0, len(SectionPrefix)+maxIDName+9)
	b = append(b, SectionPrefix...)
	for i := 0; i < len(name) && i < maxIDName; i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			c = '_'
		}
		b = append(b, c)
	}
	b = append(b, '_')
	b = append(b, hash8(k.String()+"\x00"+name)...)
	return string(b)
}

// hash8 is 8 hex digits of FNV-1a: stable across versions and machines.
func hash8(s string) string {
	h := fnv.New32a()
	h.Write([]byte(s))
	return fmt.Sprintf("%08x", h.Sum32())
}

// Normalize fills in defaults (zones, proto, redirect dest port), unmaps
// IPv4-mapped addresses and checks everything a firewall section needs.
// The error names the offending field.
func (d Door) Normalize() (Door, error) {
	if d.Kind != Rule && d.Kind != Redirect {
		return d, fmt.Errorf("door: kind %d: not a rule or redirect", int(d.Kind))
	}
	if err := checkPrefix(d.Prefix); err != nil {
		return d, err
	}
	var err error
	if d.Src, err = checkAddr("src", d.Src); err != nil {
		return d, err
	}
	if d.Proto, err = normProto(d.Proto); err != nil {
		return d, err
	}
	if d.Port == 0 {
		return d, errors.New("door: port 0: a door needs a port (tcp/udp only, never all ports)")
	}
	if d.SrcZone == "" {
		d.SrcZone = DefaultSrcZone
	}
	if err := checkZone("src zone", d.SrcZone, d.Kind == Rule); err != nil {
		return d, err
	}
	if d.Kind == Rule {
		d.DestZone, d.DestIP, d.DestPort = "", netip.Addr{}, 0
		return d, nil
	}
	if d.DestZone == "" {
		d.DestZone = DefaultDestZone
	}
	if err := checkZone("dest zone", d.DestZone, false); err != nil {
		return d, err
	}
	if d.DestIP, err = checkAddr("dest_ip", d.DestIP); err != nil {
		return d, err
	}
	if d.DestIP.Is4() != d.Src.Is4() {
		return d, fmt.Errorf("%w: dest_ip %s, source %s", ErrFamilyMismatch, d.DestIP, d.Src)
	}
	if d.DestPort == 0 {
		d.DestPort = d.Port
	}
	return d, nil
}

func checkPrefix(p string) error {
	if p == "" {
		return errors.New("door: empty prefix")
	}
	if !utf8.ValidString(p) {
		return fmt.Errorf("door: prefix %q is not valid UTF-8", p)
	}
	for _, r := range p {
		// fw4 turns " into ' and copies the rest into an nft string;
		// control characters and backslashes have no business there.
		if r < 0x20 || r == 0x7f || r == '"' || r == '\\' {
			return fmt.Errorf("door: prefix %q: character %q not allowed", p, r)
		}
	}
	return nil
}

func checkAddr(what string, a netip.Addr) (netip.Addr, error) {
	if !a.IsValid() {
		return a, fmt.Errorf("door: %s: no address", what)
	}
	if a.Zone() != "" {
		return a, fmt.Errorf("door: %s %s: zoned addresses cannot go into the firewall", what, a)
	}
	a = a.Unmap()
	if a.IsUnspecified() || a.IsMulticast() {
		return a, fmt.Errorf("door: %s %s: not a unicast host address", what, a)
	}
	return a, nil
}

func normProto(p string) (string, error) {
	switch strings.Join(strings.Fields(p), " ") {
	case "":
		return DefaultProto, nil
	case "tcp":
		return "tcp", nil
	case "udp":
		return "udp", nil
	case "tcp udp", "udp tcp":
		return "tcp udp", nil
	}
	return p, fmt.Errorf("door: proto %q: only tcp, udp or \"tcp udp\" (fw4 ignores ports for any other protocol)", p)
}
