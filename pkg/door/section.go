package door

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/uciknock/uciknock/pkg/localtime"
	"github.com/uciknock/uciknock/uci"
)

// MarkerOption is the option earlier versions marked their doors with:
// `option uciknock 'expires=<unix seconds>[ kill]'`. fw4 and fw3 warn
// about it on every check and reload ("specifies unknown option",
// "is unknown"), one line per door, so doors now carry their expiry in
// the section id (see SectionName). Sections with the old marker are
// still ours; their next write converts them.
const MarkerOption = "uciknock"

// TimeLimit says how a door's expiry is also handed to the kernel as
// `option stop_date`, the backstop that closes a door even when the
// daemon is dead (golden case 030).
type TimeLimit struct {
	// Local formats an instant as the router's local wall time,
	// "YYYY-MM-DDThh:mm:ss", the way nft (musl, /etc/TZ) reads it:
	// fw4 ignores utc_time. Nil writes no stop_date (unless UTC).
	Local func(time.Time) string
	// UTC writes stop_date in UTC together with utc_time '1': fw3 with
	// the xt_time match available. Takes precedence over Local.
	UTC bool
}

// stopDate returns the stop_date value for t, or "" when none can be
// written: fw4 only accepts years 1970..2038 and a malformed value would
// make fw4 skip the whole section.
func (tl TimeLimit) stopDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	var s string
	switch {
	case tl.UTC:
		s = t.UTC().Format(localtime.StopDateLayout)
	case tl.Local != nil:
		s = tl.Local(t)
	default:
		return ""
	}
	if !validStopDate(s) {
		return ""
	}
	return s
}

// validStopDate reports whether s is a date and time fw4 accepts as
// stop_date: exactly localtime.StopDateLayout, a real calendar day, a
// year in 1970..2038. It accepts what time.Parse(localtime.StopDateLayout)
// accepts within those years and in the layout's own form
// (TestValidStopDate and FuzzValidStopDate compare them); checked by hand
// because time.Parse costs the router binary 33 KB (docs/benchmarks.md,
// binary sizes).
func validStopDate(s string) bool {
	if len(s) != len(localtime.StopDateLayout) {
		return false
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	for i, c := range []byte(localtime.StopDateLayout) {
		if c < '0' || c > '9' {
			if s[i] != c {
				return false
			}
		}
	}
	year, month, day := num(0, 4), num(5, 2), num(8, 2)
	hour, minute, sec := num(11, 2), num(14, 2), num(17, 2)
	if year < 1970 || year > 2038 || month < 1 || month > 12 || day < 1 ||
		hour < 0 || hour > 23 || minute < 0 || minute > 59 || sec < 0 || sec > 59 {
		return false
	}
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[month-1]
	if month == 2 && year%4 == 0 && (year%100 != 0 || year%400 == 0) {
		days = 29
	}
	return day <= days
}

// Section renders the door as the UCI section written to
// /etc/config/firewall. d must be normalised (Normalize).
//
// Rule:     name src src_ip proto dest_port target=ACCEPT family [stop_date [utc_time]]
// Redirect: name src src_ip proto src_dport dest dest_ip dest_port target=DNAT family reflection=0 [stop_date [utc_time]]
//
// The section id is SectionName: the door's ID with its expiry.
//
// The shapes are those of golden cases 004, 005, 008, 027 and 030 that
// fw4 turns into working nft rules. stop_date carries a time of day and
// is never paired with stop_time (030: that pair dies at midnight).
func Section(d Door, tl TimeLimit) *uci.Section {
	s := &uci.Section{Type: d.Kind.String()} // setExpiry names it
	set := func(k, v string) {
		s.Options = append(s.Options, &uci.Option{Name: k, Kind: uci.KindOption, Values: []string{v}})
	}
	family := "ipv4"
	if !d.Src.Is4() {
		family = "ipv6"
	}
	set("name", d.FwName())
	set("src", d.SrcZone)
	set("src_ip", d.Src.String())
	set("proto", d.Proto)
	if d.Kind == Rule {
		set("dest_port", strconv.Itoa(int(d.Port)))
		set("target", "ACCEPT")
		set("family", family)
	} else {
		set("src_dport", strconv.Itoa(int(d.Port)))
		set("dest", d.DestZone)
		set("dest_ip", d.DestIP.String())
		set("dest_port", strconv.Itoa(int(d.DestPort)))
		set("target", "DNAT")
		set("family", family)
		// fw4's reflection rules do not copy src_ip: with reflection on,
		// every LAN host would reach the target without knocking.
		set("reflection", "0")
	}
	setExpiry(s, d.ID(), d.Expires, d.KillSessions, tl)
	return s
}

// setExpiry writes what the keeper owns on the section of door id:
// its name (id with the expiry, SectionName), stop_date and utc_time,
// and it drops the marker option earlier versions wrote. Everything else
// on a written door belongs to the user.
func setExpiry(s *uci.Section, id string, exp time.Time, kill bool, tl TimeLimit) {
	// Our values are dates, "1" and "": always valid option values, and
	// Set with "" deletes.
	sd := tl.stopDate(exp)
	_ = s.Set("stop_date", sd)
	utc := ""
	if sd != "" && tl.UTC {
		utc = "1"
	}
	_ = s.Set("utc_time", utc)
	// The expiry lives in the id: atomic with the section, and not an
	// option fw4 or fw3 would warn about.
	s.Name = SectionName(id, exp, kill)
	s.Del(MarkerOption)
}

// doorIndex returns the index of the named section whose door identity
// (baseID) is id, or -1.
func doorIndex(p *uci.Package, id string) int {
	for i, s := range p.Sections {
		if !s.Anonymous && baseID(s.Name) == id {
			return i
		}
	}
	return -1
}

// SectionName is the id of a door section: the door's identity (Door.ID)
// followed by "_e" and its expiry in unix seconds (0: never, whole
// seconds rounded down: a door may close up to a second early, never
// late) and "k" when its sessions are killed at close:
// uciknock_KnockSSH_192_0_2_7_22_49b56172_e1795642200. A refresh that
// moves the expiry renames the section (rarely: see the keeper's cheap
// refresh).
func SectionName(id string, exp time.Time, kill bool) string {
	var unix int64
	if !exp.IsZero() {
		unix = exp.Unix()
	}
	n := id + "_e" + strconv.FormatInt(unix, 10)
	if kill {
		n += "k"
	}
	return n
}

// splitName reads a section id written by SectionName back: the door's
// identity, expiry and kill flag; ok is false for any other id.
func splitName(name string) (id string, exp time.Time, kill bool, ok bool) {
	i := strings.LastIndex(name, "_e")
	if i < 0 || !strings.HasPrefix(name, SectionPrefix) {
		return "", time.Time{}, false, false
	}
	id, v := name[:i], name[i+2:]
	if strings.HasSuffix(v, "k") {
		kill, v = true, v[:len(v)-1]
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > 1<<40 || v != strconv.FormatInt(n, 10) || !isHashTail(id) {
		return "", time.Time{}, false, false
	}
	if n != 0 {
		exp = time.Unix(n, 0)
	}
	return id, exp, kill, true
}

// isHashTail reports whether id ends in "_" and 8 lowercase hex digits,
// as idFor makes it.
func isHashTail(id string) bool {
	if len(id) < 9 || id[len(id)-9] != '_' {
		return false
	}
	for _, c := range id[len(id)-8:] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// baseID is the door identity of a section id: the id without the
// expiry suffix (an id without one, as in old marked sections, is its
// own identity).
func baseID(name string) string {
	if id, _, _, ok := splitName(name); ok {
		return id
	}
	return name
}

// parseMarker reads the marker value. Unknown words are ignored so that
// a later version can add some; expires= is required.
func parseMarker(v string) (exp time.Time, kill bool, err error) {
	seen := false
	for _, w := range strings.Fields(v) {
		switch {
		case strings.HasPrefix(w, "expires="):
			n, perr := strconv.ParseInt(w[len("expires="):], 10, 64)
			if perr != nil || n < 0 || n > 1<<40 {
				return time.Time{}, false, fmt.Errorf("marker %q: bad expires", v)
			}
			seen = true
			if n != 0 {
				exp = time.Unix(n, 0)
			}
		case w == "kill":
			kill = true
		}
	}
	if !seen {
		return time.Time{}, false, fmt.Errorf("marker %q: no expires=", v)
	}
	return exp, kill, nil
}

// owned reports whether s is a door section written by this package:
// a named rule or redirect whose id is a SectionName (SectionPrefix, a
// hash tail and a well-formed expiry suffix), or, written by an earlier
// version, whose id starts with SectionPrefix and that carries a valid
// marker option. A user's section is never named so (LuCI creates
// anonymous sections, and clones of ours are anonymous too), so a
// similar-looking user rule is never touched.
func owned(s *uci.Section) (exp time.Time, kill bool, ok bool) {
	if s.Anonymous || !strings.HasPrefix(s.Name, SectionPrefix) || (s.Type != "rule" && s.Type != "redirect") {
		return time.Time{}, false, false
	}
	if _, exp, kill, ok := splitName(s.Name); ok {
		return exp, kill, true
	}
	// Written by an earlier version: the marker option.
	o := s.Get(MarkerOption)
	if o == nil || o.Kind != uci.KindOption || len(o.Values) != 1 {
		return time.Time{}, false, false
	}
	exp, kill, err := parseMarker(o.Values[0])
	if err != nil {
		return time.Time{}, false, false
	}
	return exp, kill, true
}

// DoorFromSection reads one of our door sections back. It fails for
// sections that are not ours (see owned) and for
// ones whose options no longer describe a door (a user edited them);
// the keeper still honours the expiry of those.
func DoorFromSection(s *uci.Section) (Door, error) {
	exp, kill, ok := owned(s)
	if !ok {
		return Door{}, fmt.Errorf("section %q: not a uciknock door", s.Name)
	}
	d := Door{Expires: exp, KillSessions: kill, Kind: Rule}
	if s.Type == "redirect" {
		d.Kind = Redirect
	}
	var err error
	get := func(k string) string {
		o := s.Get(k)
		if o == nil || len(o.Values) != 1 {
			if err == nil {
				err = fmt.Errorf("section %q: option %s missing or a list", s.Name, k)
			}
			return ""
		}
		return o.Values[0]
	}
	src, name := get("src_ip"), get("name")
	d.SrcZone, d.Proto = get("src"), get("proto")
	port := get("dest_port")
	if d.Kind == Redirect {
		port = get("src_dport")
		d.DestZone = get("dest")
		d.DestIP, _ = netip.ParseAddr(get("dest_ip"))
		d.DestPort = parsePort(get("dest_port"))
	}
	if err != nil {
		return Door{}, err
	}
	if d.Src, err = netip.ParseAddr(src); err != nil {
		return Door{}, fmt.Errorf("section %q: src_ip: %w", s.Name, err)
	}
	if d.Port = parsePort(port); d.Port == 0 {
		return Door{}, fmt.Errorf("section %q: port %q: not a single port", s.Name, port)
	}
	d.Prefix = prefixFromName(name, d.Src, d.Port)
	if d, err = d.Normalize(); err != nil {
		return Door{}, fmt.Errorf("section %q: %w", s.Name, err)
	}
	if d.ID() != baseID(s.Name) {
		return Door{}, errors.New("section " + strconv.Quote(s.Name) + ": options no longer match the id (edited)")
	}
	return d, nil
}

// prefixFromName undoes Name and FwName: the prefix is what precedes
// "_IP_port", up to a "~hash" shortening mark.
func prefixFromName(name string, src netip.Addr, port uint16) string {
	p := strings.TrimSuffix(name, "_"+src.String()+"_"+strconv.Itoa(int(port)))
	if i := strings.LastIndexByte(p, '~'); i >= 0 && len(p)-i == 9 && p != name {
		p = p[:i]
	}
	return p
}

// doorFromName reads the identity of a door — prefix, source, port — back
// from the rule name alone ("Prefix_IP_port", or its shortened form,
// whose prefix then keeps its "~hash" mark). It is how doors whose options
// a user edited are still found by a close sequence after a restart.
func doorFromName(k Kind, name string) (Door, bool) {
	i := strings.LastIndexByte(name, '_')
	if i < 0 {
		return Door{}, false
	}
	port := parsePort(name[i+1:])
	j := strings.LastIndexByte(name[:i], '_')
	if port == 0 || j <= 0 {
		return Door{}, false
	}
	src, err := netip.ParseAddr(name[j+1 : i])
	if err != nil || src.Zone() != "" {
		return Door{}, false
	}
	return Door{Kind: k, Prefix: name[:j], Src: src, Port: port}, true
}

func parsePort(s string) uint16 {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || len(s) > 5 || (len(s) > 1 && s[0] == '0') {
		return 0
	}
	return uint16(n)
}
