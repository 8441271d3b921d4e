package door

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/uciknock/uciknock/uci"
)

// listFixture is a firewall config with a live door, an expired door, a
// user-edited (disabled, family dropped) door without expiry and a
// user's own rule that merely looks like ours.
func listFixture(t *testing.T, now time.Time) string {
	t.Helper()
	mk := func(prefix, ip string, exp time.Time) *uci.Section {
		d, err := Door{Kind: Rule, Prefix: prefix, Src: netip.MustParseAddr(ip), Port: 22, Expires: exp}.Normalize()
		if err != nil {
			t.Fatal(err)
		}
		return Section(d, TimeLimit{})
	}
	text := "config rule 'uciknock_lookalike'\n\toption name 'KnockSSH_192.0.2.9_22'\n\toption src_ip '192.0.2.9'\n"
	live := mk("KnockSSH", "192.0.2.7", now.Add(time.Hour))
	expired := mk("KnockSSH", "2001:db8::7", now.Add(-time.Minute))
	edited := mk("KnockWeb", "192.0.2.8", time.Time{})
	if err := edited.Set("enabled", "0"); err != nil {
		t.Fatal(err)
	}
	edited.Del("family")
	for _, s := range []*uci.Section{live, expired, edited} {
		text += string(uci.RenderSection(s))
	}
	return text
}

func TestListAndRemove(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	text := listFixture(t, now)
	pkg, err := uci.Parse("firewall", []byte(text))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, text)
	}
	doors := List(pkg, now)
	if len(doors) != 3 {
		t.Fatalf("List: %d doors, want 3 (the look-alike is not ours): %+v", len(doors), doors)
	}
	if doors[0].Name > doors[1].Name || doors[1].Name > doors[2].Name {
		t.Errorf("not sorted by name: %s %s %s", doors[0].Name, doors[1].Name, doors[2].Name)
	}
	byName := map[string]Listing{}
	for _, d := range doors {
		byName[d.Name] = d
	}
	if d := byName["KnockSSH_192.0.2.7_22"]; d.Left != 3600 || d.Expired || !d.Enabled || d.Edited ||
		d.Source != "192.0.2.7" || d.Port != 22 || d.Door.Src != netip.MustParseAddr("192.0.2.7") {
		t.Errorf("live door %+v", d)
	}
	if d := byName["KnockSSH_2001:db8::7_22"]; !d.Expired || d.Left != 0 || d.Expires != now.Add(-time.Minute).Unix() {
		t.Errorf("expired door %+v", d)
	}
	if d := byName["KnockWeb_192.0.2.8_22"]; d.Enabled || d.Left != -1 || d.Source != "192.0.2.8" || d.Port != 22 {
		t.Errorf("edited door %+v", d)
	}

	st := newStore(t, text)
	counts, err := Remove(st, func(_ *uci.Section, exp time.Time) string {
		if !exp.IsZero() && !exp.After(now) {
			return "expired"
		}
		return ""
	})
	if err != nil || counts["expired"] != 1 || len(counts) != 1 {
		t.Fatalf("Remove: %v (%v), want 1 expired", counts, err)
	}
	data := st.text()
	if strings.Contains(data, "2001:db8::7") || !strings.Contains(data, "uciknock_lookalike") || !strings.Contains(data, "192.0.2.8") {
		t.Errorf("after Remove:\n%s", data)
	}
}

func TestSelector(t *testing.T) {
	d, err := Door{Kind: Rule, Prefix: "KnockSSH", Src: netip.MustParseAddr("192.0.2.7"), Port: 22}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	sec := Section(d, TimeLimit{})
	look := &uci.Section{Type: "rule", Name: "x"}
	_ = look.Set("src_ip", "192.0.2.7")
	for _, c := range []struct {
		target            string
		door, sec, lookOK bool
	}{
		{"KnockSSH_192.0.2.7_22", true, true, false},
		{d.Name(), true, true, false},
		{"192.0.2.7", true, true, true},
		{"::ffff:192.0.2.7", true, true, true}, // mapped: the same source
		{"192.0.2.8", false, false, false},
		{"KnockSSH", false, false, false},
		{"", false, false, false},
	} {
		sel := ParseSelector(c.target)
		if got := sel.Door(d); got != c.door {
			t.Errorf("%q.Door = %v", c.target, got)
		}
		if got := sel.Section(sec); got != c.sec {
			t.Errorf("%q.Section = %v", c.target, got)
		}
		if got := sel.Section(look); got != c.lookOK {
			t.Errorf("%q.Section(no name) = %v", c.target, got)
		}
		if sel.String() != c.target {
			t.Errorf("String %q", sel.String())
		}
	}
}

// TestCloseSelected: `uciknockd close IP` through the daemon closes every
// door of the source (rule and forward alike) with the reason given, and
// nothing else.
func TestCloseSelected(t *testing.T) {
	h := newHarness(t, baseConfig, nil)
	h.start(t)
	a, b := ssh("192.0.2.7", time.Hour), ssh("192.0.2.8", time.Hour)
	web := a
	web.Prefix, web.Port = "KnockWeb", 80
	for _, d := range []Door{a, b, web} {
		if err := h.k.Open(d); err != nil {
			t.Fatal(err)
		}
	}
	h.at(time.Second)
	if got := h.k.CloseSelected(ParseSelector("192.0.2.9"), "x"); len(got) != 0 {
		t.Fatalf("closed %v for an unknown source", got)
	}
	got := h.k.CloseSelected(ParseSelector("192.0.2.7"), "closed by uciknockd close")
	if len(got) != 2 {
		t.Fatalf("closed %v, want both doors of 192.0.2.7", got)
	}
	h.at(2 * time.Second)
	if ids := h.ownIDs(t); len(ids) != 1 || baseID(ids[0]) != b.ID() {
		t.Fatalf("left in the file: %v", ids)
	}
	if e := h.rec.last(EventClose); e.Reason != "closed by uciknockd close" {
		t.Fatalf("close event %+v", e)
	}
}
