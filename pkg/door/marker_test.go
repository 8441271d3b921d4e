package door

import (
	"strconv"
	"testing"
	"time"

	"github.com/uciknock/uciknock/uci"
)

// marker is the option value earlier versions wrote (MarkerOption).
func marker(exp time.Time, kill bool) string {
	var unix int64
	if !exp.IsZero() {
		// Whole seconds, rounded down: a door may close up to a second
		// early, never late.
		unix = exp.Unix()
	}
	m := "expires=" + strconv.FormatInt(unix, 10)
	if kill {
		m += " kill"
	}
	return m
}

// doorSection returns the section of door d in p, whatever its expiry
// suffix.
func doorSection(p *uci.Package, d Door) *uci.Section {
	if i := doorIndex(p, d.ID()); i >= 0 {
		return p.Sections[i]
	}
	return nil
}

// expiryOf is the expiry a door section records (its id), as a marker
// string for comparisons.
func expiryOf(t testing.TB, s *uci.Section) string {
	t.Helper()
	exp, kill, ok := owned(s)
	if !ok {
		t.Fatalf("section %s is not ours", s.Name)
	}
	return marker(exp, kill)
}

// TestLegacyMarkerAdoptedAndConverted: a door written by an earlier
// version (marker option, id without expiry) is ours, and its next
// write moves the expiry into the id and drops the option fw4 warns of.
func TestLegacyMarkerAdoptedAndConverted(t *testing.T) {
	d, _ := ssh("192.0.2.7", time.Hour).Normalize()
	s := Section(d, TimeLimit{})
	s.Name = d.ID()
	s.Options = append(s.Options, &uci.Option{Name: MarkerOption, Kind: uci.KindOption, Values: []string{marker(d.Expires, true)}})
	exp, kill, ok := owned(s)
	if !ok || !exp.Equal(d.Expires) || !kill {
		t.Fatalf("legacy section not adopted: %v %v %v", exp, kill, ok)
	}
	before := s.Clone()
	setExpiry(s, d.ID(), d.Expires, true, TimeLimit{})
	if s.Equal(before) || s.Name != SectionName(d.ID(), d.Expires, true) || s.Get(MarkerOption) != nil {
		t.Fatalf("not converted:\n%s", uci.RenderSection(s))
	}
	if _, err := DoorFromSection(s); err != nil {
		t.Fatal(err)
	}
}

func TestSectionNameRoundTrip(t *testing.T) {
	id := ssh("192.0.2.7", 0).ID()
	for _, tc := range []struct {
		exp  time.Time
		kill bool
	}{{time.Unix(1795642200, 0), false}, {time.Time{}, true}, {time.Unix(1, 0), true}} {
		n := SectionName(id, tc.exp, tc.kill)
		gid, exp, kill, ok := splitName(n)
		if !ok || gid != id || !exp.Equal(tc.exp) || kill != tc.kill {
			t.Fatalf("%s: %v %v %v %v", n, gid, exp, kill, ok)
		}
	}
	for _, bad := range []string{"uciknock_x_e1", id + "_e", id + "_e01", id + "_e-1", id + "_ex", "other_" + id[9:] + "_e1", id + "_e1kk"} {
		if _, _, _, ok := splitName(bad); ok {
			t.Errorf("%q read as a door id", bad)
		}
	}
	_ = strconv.Itoa
}
