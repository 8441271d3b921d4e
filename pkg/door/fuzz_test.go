package door

import (
	"net/netip"
	"testing"
	"time"

	"github.com/uciknock/uciknock/uci"
)

// FuzzDoorFromSection feeds config text through the uci parser and reads
// every section back as a door: it must never panic, and whatever it
// accepts must be a valid door that renders back to the same section id
// and reads back the same.
func FuzzDoorFromSection(f *testing.F) {
	a := netip.MustParseAddr
	for _, d := range []Door{
		{Prefix: "KnockSSH", Src: a("192.0.2.7"), Port: 22, Expires: time.Unix(1795642200, 0)},
		{Prefix: "Knock DNS", Src: a("2001:db8::7"), Port: 53, Proto: "tcp udp", KillSessions: true},
		{Kind: Redirect, Prefix: "KnockFwd", Src: a("198.51.100.20"), Port: 2222, DestIP: a("192.168.1.10"), DestPort: 22},
	} {
		d, err := d.Normalize()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uci.RenderSection(Section(d, TimeLimit{UTC: true})))
	}
	f.Add([]byte(baseConfig))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := uci.Parse("firewall", data)
		if err != nil {
			return
		}
		for _, s := range p.Sections {
			d, err := DoorFromSection(s)
			if err != nil {
				continue
			}
			n, err := d.Normalize()
			if err != nil || n != d {
				t.Fatalf("accepted a door that is not normalised: %+v (%v)", d, err)
			}
			if d.ID() != baseID(s.Name) {
				t.Fatalf("id %s read back from section %s", d.ID(), s.Name)
			}
			again, err := DoorFromSection(Section(d, TimeLimit{}))
			if err != nil || again != d {
				t.Fatalf("round trip: %+v → %+v (%v)", d, again, err)
			}
			if out := uci.RenderSection(Section(d, TimeLimit{})); len(out) == 0 {
				t.Fatal("empty rendering")
			} else if _, err := uci.Parse("firewall", out); err != nil {
				t.Fatalf("our section does not parse: %v\n%s", err, out)
			}
		}
	})
}
