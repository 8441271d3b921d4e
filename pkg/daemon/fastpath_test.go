package daemon

import (
	"strings"
	"testing"
	"time"

	"github.com/uciknock/uciknock/pkg/fastpath"
)

type setsOnly []string

func (s setsOnly) Apply(dels, adds []fastpath.Elem, to time.Duration) error { return nil }
func (s setsOnly) Sets() ([]string, error)                                  { return s, nil }

func wanSets(zone string) setsOnly {
	var out setsOnly
	for _, k := range []string{"in", "dnat", "fwd", "shut"} {
		out = append(out, fastpath.SetName(zone, k, 4), fastpath.SetName(zone, k, 6))
	}
	return out
}

func TestFastPathState(t *testing.T) {
	for _, tc := range []struct {
		sets  setsOnly
		zones []string
		want  string
	}{
		{wanSets("wan"), []string{"wan"}, "on (zones wan)"},
		{nil, []string{"wan"}, "off: no uciknock sets in table inet fw4"},
		{wanSets("wan"), []string{"lan", "wan"}, "on (zones wan); off for zones lan"},
		{wanSets("wan")[:3], []string{"wan"}, "off for zones wan"},
	} {
		have, err := fastpath.Available(tc.sets)
		if got := fastPathState(have, err, tc.zones); !strings.HasPrefix(got, tc.want) {
			t.Errorf("sets %v zones %v: %q, want %q…", tc.sets, tc.zones, got, tc.want)
		}
	}
}
