package syntax

import "testing"

func TestAnonID(t *testing.T) {
	for typ, want := range map[string]string{"rule": "92bd", "redirect": "3837", "zone": "dc81",
		"forwarding": "ad58", "defaults": "e63d", "include": "af89", "sequence": "489e"} {
		if got := AnonID(1, typ); got != "cfg01"+want {
			t.Errorf("%s: got %s want cfg01%s", typ, got, want)
		}
	}
	if got := AnonID(0x123, "rule"); got != "cfg12392bd" {
		t.Errorf("3-digit counter: got %s", got)
	}
}

func TestAppendQuoted(t *testing.T) {
	if got := string(AppendQuoted(nil, "it's")); got != `'it'\''s'` {
		t.Errorf("AppendQuoted: %s", got)
	}
}
