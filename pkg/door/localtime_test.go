package door

import (
	"net/netip"
	"testing"
	"time"

	"github.com/uciknock/uciknock/pkg/localtime"
)

// TestStopDateZones wires the real pkg/localtime into the TimeLimit, as
// cmd/ does, and checks the stop_date written for /etc/TZ strings with
// and without daylight saving: the router's local wall time of the
// expiry, which is what nft reads.
func TestStopDateZones(t *testing.T) {
	summer := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	winter := time.Date(2026, 11, 25, 21, 30, 0, 0, time.UTC)
	tests := []struct {
		tz           string
		summer, wint string
	}{
		{"UTC0", "2026-07-01T12:00:00", "2026-11-25T21:30:00"},
		{"CET-1CEST,M3.5.0,M10.5.0/3", "2026-07-01T14:00:00", "2026-11-25T22:30:00"},
		{"EST5EDT,M3.2.0,M11.1.0", "2026-07-01T08:00:00", "2026-11-25T16:30:00"},
		{"<+0545>-5:45", "2026-07-01T17:45:00", "2026-11-26T03:15:00"},
		{"AEST-10AEDT,M10.1.0,M4.1.0/3", "2026-07-01T22:00:00", "2026-11-26T08:30:00"},
	}
	for _, tt := range tests {
		t.Run(tt.tz, func(t *testing.T) {
			z, err := localtime.ParseTZ(tt.tz)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				exp  time.Time
				want string
			}{{summer, tt.summer}, {winter, tt.wint}} {
				d, err := Door{Prefix: "K", Src: netip.MustParseAddr("192.0.2.7"), Port: 22, Expires: c.exp}.Normalize()
				if err != nil {
					t.Fatal(err)
				}
				s := Section(d, TimeLimit{Local: z.StopDate})
				if o := s.Get("stop_date"); o == nil || o.Values[0] != c.want {
					t.Fatalf("expiry %v: stop_date %v, want %s", c.exp, o, c.want)
				}
			}
		})
	}
}
