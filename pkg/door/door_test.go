package door

import (
	"net/netip"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/uciknock/uciknock/pkg/localtime"
	"github.com/uciknock/uciknock/uci"
)

func TestNormalize(t *testing.T) {
	a := netip.MustParseAddr
	tests := []struct {
		name string
		in   Door
		want Door   // checked fields when err == ""
		err  string // substring of the error
	}{
		{"rule defaults", Door{Prefix: "K", Src: a("192.0.2.7"), Port: 22},
			Door{Prefix: "K", Src: a("192.0.2.7"), Port: 22, Proto: "tcp", SrcZone: "wan"}, ""},
		{"mapped v4 unmapped", Door{Prefix: "K", Src: a("::ffff:192.0.2.7"), Port: 22, Proto: "udp"},
			Door{Prefix: "K", Src: a("192.0.2.7"), Port: 22, Proto: "udp", SrcZone: "wan"}, ""},
		{"tcp udp", Door{Prefix: "K", Src: a("2001:db8::7"), Port: 53, Proto: "udp  tcp"},
			Door{Prefix: "K", Src: a("2001:db8::7"), Port: 53, Proto: "tcp udp", SrcZone: "wan"}, ""},
		{"redirect defaults", Door{Kind: Redirect, Prefix: "F", Src: a("198.51.100.20"), Port: 2222, DestIP: a("192.168.1.10")},
			Door{Kind: Redirect, Prefix: "F", Src: a("198.51.100.20"), Port: 2222, Proto: "tcp", SrcZone: "wan",
				DestZone: "lan", DestIP: a("192.168.1.10"), DestPort: 2222}, ""},
		{"proto all", Door{Prefix: "K", Src: a("192.0.2.7"), Port: 22, Proto: "all"}, Door{}, "only tcp, udp"},
		{"proto icmp", Door{Prefix: "K", Src: a("192.0.2.7"), Port: 22, Proto: "icmp"}, Door{}, "only tcp, udp"},
		{"no port", Door{Prefix: "K", Src: a("192.0.2.7")}, Door{}, "port 0"},
		{"no source", Door{Prefix: "K", Port: 22}, Door{}, "src: no address"},
		{"zoned source", Door{Prefix: "K", Src: a("fe80::1%eth0"), Port: 22}, Door{}, "zoned"},
		{"unspecified source", Door{Prefix: "K", Src: a("0.0.0.0"), Port: 22}, Door{}, "unicast"},
		{"empty prefix", Door{Src: a("192.0.2.7"), Port: 22}, Door{}, "empty prefix"},
		{"control char", Door{Prefix: "K\n", Src: a("192.0.2.7"), Port: 22}, Door{}, "not allowed"},
		{"double quote", Door{Prefix: `K"`, Src: a("192.0.2.7"), Port: 22}, Door{}, "not allowed"},
		{"bad zone", Door{Prefix: "K", Src: a("192.0.2.7"), Port: 22, SrcZone: "w an"}, Door{}, "not a firewall zone name"},
		{"any zone rule", Door{Prefix: "K", Src: a("192.0.2.7"), Port: 22, SrcZone: "*"},
			Door{Prefix: "K", Src: a("192.0.2.7"), Port: 22, Proto: "tcp", SrcZone: "*"}, ""},
		{"any zone redirect", Door{Kind: Redirect, Prefix: "F", Src: a("192.0.2.7"), Port: 22, SrcZone: "*",
			DestIP: a("192.168.1.10")}, Door{}, "not a firewall zone name"},
		{"redirect no dest", Door{Kind: Redirect, Prefix: "F", Src: a("192.0.2.7"), Port: 22}, Door{}, "dest_ip"},
		{"redirect across families", Door{Kind: Redirect, Prefix: "F", Src: a("2001:db8::7"), Port: 22,
			DestIP: a("192.168.1.10")}, Door{}, "different families"},
		{"bad kind", Door{Kind: 7, Prefix: "K", Src: a("192.0.2.7"), Port: 22}, Door{}, "kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.Normalize()
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestNames(t *testing.T) {
	d := Door{Prefix: "KnockSSH", Src: netip.MustParseAddr("2001:db8::7"), Port: 22}
	if got := d.Name(); got != "KnockSSH_2001:db8::7_22" {
		t.Fatalf("Name %q", got)
	}
	if got := d.FwName(); got != d.Name() {
		t.Fatalf("short name changed: %q", got)
	}
	id := d.ID()
	if !strings.HasPrefix(id, "uciknock_KnockSSH_2001_db8__7_22_") || !uci.ValidName(id) {
		t.Fatalf("ID %q", id)
	}
	// Names that sanitise alike still get different ids; kinds too.
	e := Door{Prefix: "KnockSSH_2001_db8_", Src: netip.MustParseAddr("0.0.0.7"), Port: 22}
	r := d
	r.Kind = Redirect
	if d.ID() == e.ID() || d.ID() == r.ID() {
		t.Fatalf("id collision: %s %s %s", d.ID(), e.ID(), r.ID())
	}
}

func TestFwNameLimits(t *testing.T) {
	src := netip.MustParseAddr("192.0.2.7")
	tail := "_192.0.2.7_22"
	for _, tt := range []struct {
		kind Kind
		max  int
	}{{Rule, MaxRuleName}, {Redirect, MaxRedirectName}} {
		for _, n := range []int{tt.max, tt.max + 1, 300} {
			prefix := strings.Repeat("x", n-len(tail))
			d := Door{Kind: tt.kind, Prefix: prefix, Src: src, Port: 22}
			got := d.FwName()
			if len(got) > tt.max {
				t.Fatalf("%v %d: %d bytes", tt.kind, n, len(got))
			}
			if n <= tt.max && got != d.Name() {
				t.Fatalf("%v %d: shortened although it fits", tt.kind, n)
			}
			if n > tt.max && (len(got) != tt.max || !strings.HasSuffix(got, tail) || !strings.Contains(got, "~")) {
				t.Fatalf("%v %d: %q", tt.kind, n, got)
			}
			if got != d.FwName() {
				t.Fatal("shortening not stable")
			}
		}
	}
	// Two long prefixes that differ only at their end stay apart; UTF-8 is
	// never cut in the middle of a character.
	p := strings.Repeat("ü", 80)
	a := Door{Prefix: p + "a", Src: src, Port: 22}.FwName()
	b := Door{Prefix: p + "b", Src: src, Port: 22}.FwName()
	if a == b || !utf8.ValidString(a) {
		t.Fatalf("%q / %q", a, b)
	}
}

func TestStopDate(t *testing.T) {
	exp := time.Date(2026, 11, 25, 21, 30, 0, 0, time.UTC)
	berlin := func(t time.Time) string { return t.Add(time.Hour).UTC().Format(localtime.StopDateLayout) }
	tests := []struct {
		name     string
		tl       TimeLimit
		exp      time.Time
		stop     string
		utcTime  bool
		markerEx string
	}{
		{"fw4 local wall time", TimeLimit{Local: berlin}, exp, "2026-11-25T22:30:00", false, "expires=1795642200"},
		{"fw3 utc", TimeLimit{Local: berlin, UTC: true}, exp, "2026-11-25T21:30:00", true, "expires=1795642200"},
		{"no limit configured", TimeLimit{}, exp, "", false, "expires=1795642200"},
		{"no timeout", TimeLimit{Local: berlin}, time.Time{}, "", false, "expires=0"},
		{"beyond 2038", TimeLimit{UTC: true}, time.Date(2039, 1, 1, 0, 0, 0, 0, time.UTC), "", false, "expires=2177452800"},
		{"garbage from Local", TimeLimit{Local: func(time.Time) string { return "soon" }}, exp, "", false, "expires=1795642200"},
		{"sub-second rounds down", TimeLimit{UTC: true}, exp.Add(900 * time.Millisecond), "2026-11-25T21:30:00", true, "expires=1795642200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Door{Prefix: "K", Src: netip.MustParseAddr("192.0.2.7"), Port: 22, Expires: tt.exp}.Normalize()
			if err != nil {
				t.Fatal(err)
			}
			s := Section(d, tt.tl)
			val := func(k string) string {
				if o := s.Get(k); o != nil {
					return o.Values[0]
				}
				return ""
			}
			if val("stop_date") != tt.stop || (val("utc_time") == "1") != tt.utcTime || val("stop_time") != "" ||
				expiryOf(t, s) != tt.markerEx || val(MarkerOption) != "" {
				t.Fatalf("section:\n%s", uci.RenderSection(s))
			}
		})
	}
}

func TestDoorFromSectionRoundTrip(t *testing.T) {
	a := netip.MustParseAddr
	doors := []Door{
		{Prefix: "KnockSSH", Src: a("192.0.2.7"), Port: 22, Expires: time.Unix(1795642200, 0)},
		{Prefix: "Knock DNS", Src: a("2001:db8::7"), Port: 53, Proto: "tcp udp", KillSessions: true},
		{Kind: Redirect, Prefix: "KnockFwd", Src: a("198.51.100.20"), Port: 2222, DestIP: a("192.168.1.10"), DestPort: 22,
			DestZone: "dmz", SrcZone: "wan6", Expires: time.Unix(1795642200, 0)},
	}
	for _, d := range doors {
		d, err := d.Normalize()
		if err != nil {
			t.Fatal(err)
		}
		got, err := DoorFromSection(Section(d, TimeLimit{UTC: true}))
		if err != nil {
			t.Fatal(err)
		}
		if got != d {
			t.Fatalf("round trip\n got %+v\nwant %+v", got, d)
		}
	}
	// A shortened name cannot give its prefix back: reported, not guessed.
	long, _ := Door{Prefix: strings.Repeat("x", 200), Src: a("192.0.2.7"), Port: 22}.Normalize()
	if _, err := DoorFromSection(Section(long, TimeLimit{})); err == nil {
		t.Fatal("shortened door read back without error")
	}
}

func TestOwned(t *testing.T) {
	p, err := uci.Parse("firewall", []byte(baseConfig+doorText(ssh("192.0.2.7", time.Hour))))
	if err != nil {
		t.Fatal(err)
	}
	var ours []string
	for _, s := range p.Sections {
		if exp, ok := Owned(s); ok {
			if !exp.Equal(t0.Add(time.Hour)) {
				t.Fatalf("expiry %v", exp)
			}
			ours = append(ours, s.Name)
		}
	}
	if d := ssh("192.0.2.7", time.Hour); len(ours) != 1 || ours[0] != SectionName(d.ID(), d.Expires, false) {
		t.Fatalf("owned sections %v (the user's look-alikes must not count)", ours)
	}
}
