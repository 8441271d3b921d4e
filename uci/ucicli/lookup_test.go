package ucicli

import (
	"testing"

	"github.com/uciknock/uciknock/uci"
)

const lookupBase = "config defaults\nconfig rule r1\n\toption name 'a'\nconfig rule\nconfig zone z\nconfig rule\n"

// TestLookup: section references as the command line resolves them, by
// name or as @type[i] / @[i].
func TestLookup(t *testing.T) {
	p, err := uci.Parse("firewall", []byte(lookupBase))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ref  string
		want string // section name, "" = nil
	}{
		{"r1", "r1"}, {"@rule[0]", "r1"}, {"@rule[1]", "cfg0392bd"}, {"@rule[-1]", "cfg0592bd"},
		{"@rule[-3]", "r1"}, {"@rule[-4]", ""}, {"@rule[3]", ""}, {"@[0]", "cfg01e63d"}, {"@[-1]", "cfg0592bd"},
		{"@rule[]", "r1"}, {"@rule[+1]", "cfg0392bd"}, {"@rule[x]", ""}, {"@rule[1]x", ""}, {"rule[0]", ""},
		{"@ru le[0]", ""}, {"nosuch", ""}, {"cfg0392bd", "cfg0392bd"},
	}
	for _, tt := range tests {
		pt, err := parsePtr("firewall." + tt.ref)
		if err == nil {
			err = pt.resolve(p)
		}
		got := ""
		if err == nil && pt.s != nil {
			got = pt.s.Name
		}
		if got != tt.want {
			t.Errorf("resolve(%q) = %q (%v), want %q", tt.ref, got, err, tt.want)
		}
	}
}

func TestQuoteValue(t *testing.T) {
	if got := QuoteValue("it's"); got != `'it'\''s'` {
		t.Errorf("QuoteValue: %s", got)
	}
}
