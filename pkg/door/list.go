package door

import (
	"net/netip"
	"sort"
	"strconv"
	"time"

	"github.com/uciknock/uciknock/uci"
)

// Listing is one door found in the firewall config, as `uciknockd
// status` shows it (the JSON names are those of `status --json`, which
// LuCI reads).
type Listing struct {
	Name     string `json:"name"`
	Section  string `json:"section"`
	Type     string `json:"type"`
	Source   string `json:"source,omitempty"`
	Port     uint16 `json:"port,omitempty"`
	Proto    string `json:"proto,omitempty"`
	DestIP   string `json:"dest_ip,omitempty"`
	DestPort uint16 `json:"dest_port,omitempty"`
	Enabled  bool   `json:"enabled"`
	Expires  int64  `json:"expires,omitempty"` // unix seconds; 0: never
	Left     int64  `json:"seconds_left"`      // -1: never expires
	Edited   bool   `json:"edited_by_user"`    // options no longer as written
	Expired  bool   `json:"expired"`           // due for removal
	// Live: every kernel element of the door is in table inet fw4's
	// uciknock sets (the fast path); the caller fills it in, since
	// only the kernel knows.
	Live bool `json:"live_in_kernel"`
	// Door is the door the section reads back as; valid only when
	// Edited is false.
	Door Door `json:"-"`
}

// List returns our doors in p, sorted by rule name, with their time left
// at now. Doors a user edited are listed too (Edited), with what can
// still be read of them.
func List(p *uci.Package, now time.Time) []Listing {
	var out []Listing
	for _, s := range p.Sections {
		exp, ok := Owned(s)
		if !ok {
			continue
		}
		l := Listing{Section: s.Name, Type: s.Type, Enabled: !disabled(s), Left: -1, Name: value(s, "name")}
		if !exp.IsZero() {
			l.Expires = exp.Unix()
			l.Left = int64(exp.Sub(now).Round(time.Second) / time.Second)
			if l.Left <= 0 {
				l.Left, l.Expired = 0, true
			}
		}
		if d, err := DoorFromSection(s); err == nil {
			l.Door = d
			l.Source, l.Port, l.Proto = d.Src.String(), d.Port, d.Proto
			if d.Kind == Redirect {
				l.DestIP, l.DestPort = d.DestIP.String(), d.DestPort
			}
		} else {
			l.Edited = true
			l.Source = value(s, "src_ip")
			port := value(s, "dest_port")
			if s.Type == "redirect" {
				port = value(s, "src_dport")
			}
			if n, err := strconv.ParseUint(port, 10, 16); err == nil {
				l.Port = uint16(n)
			}
		}
		out = append(out, l)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// value is a single-value option's value ("" when absent or a list).
func value(s *uci.Section, name string) string {
	if o := s.Get(name); o != nil && len(o.Values) == 1 {
		return o.Values[0]
	}
	return ""
}

// disabled reports whether a user switched the section off (`option
// enabled` false in any of the spellings fw4 accepts).
func disabled(s *uci.Section) bool {
	switch value(s, "enabled") {
	case "0", "no", "off", "false", "disabled":
		return true
	}
	return false
}

// Remove deletes our door sections for which classify names a reason
// ("" keeps the section) in one update of st, and counts them by reason
// as written (Update may run its function more than once). Sections that
// are not ours are never passed to classify.
func Remove(st Store, classify func(s *uci.Section, expires time.Time) string) (map[string]int, error) {
	var counts map[string]int
	_, err := st.Update(func(p *uci.Package) error {
		counts = map[string]int{}
		var victims []string
		for _, s := range p.Sections {
			if exp, ok := Owned(s); ok {
				if why := classify(s, exp); why != "" {
					victims = append(victims, s.Name)
					counts[why]++
				}
			}
		}
		for _, name := range victims {
			p.Delete(name)
		}
		return nil
	})
	return counts, err
}

// Selector is what `uciknockd close` names: a rule name, or a source
// address (every door of that source).
type Selector struct {
	name string
	ip   netip.Addr // valid: the selector is an address
}

// ParseSelector reads a close target: an IP address selects by source,
// anything else by rule name.
func ParseSelector(s string) Selector {
	sel := Selector{name: s}
	if ip, err := netip.ParseAddr(s); err == nil {
		sel.ip = ip.Unmap()
	}
	return sel
}

// String returns the target as given.
func (sel Selector) String() string { return sel.name }

// Door reports whether the selector names door d (as the keeper holds
// it: Doors).
func (sel Selector) Door(d Door) bool {
	return d.Name() == sel.name || d.FwName() == sel.name || (sel.ip.IsValid() && d.Src == sel.ip)
}

// Section reports whether the selector names door section s (read from
// the file, its options possibly edited by a user): by `option name`, or
// by `option src_ip`.
func (sel Selector) Section(s *uci.Section) bool {
	if sel.name != "" && value(s, "name") == sel.name {
		return true
	}
	if !sel.ip.IsValid() {
		return false
	}
	a, err := netip.ParseAddr(value(s, "src_ip"))
	return err == nil && a == sel.ip
}

// CloseSelected closes every door the keeper holds that sel names, with
// reason in the EventClose, and returns them.
func (k *Keeper) CloseSelected(sel Selector, reason string) []Door {
	var closed []Door
	for _, d := range k.Doors() {
		if sel.Door(d) {
			k.CloseFor(reason, d.Prefix, d.Src, d.Port)
			closed = append(closed, d)
		}
	}
	return closed
}
