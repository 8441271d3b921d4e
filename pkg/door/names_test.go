package door

import (
	"strings"
	"testing"
)

func TestCheckZone(t *testing.T) {
	for z, ok := range map[string]bool{
		"wan": true, "lan": true, "my-lan": true, "guest_2": true, "1": true,
		strings.Repeat("z", 64): true, strings.Repeat("z", 65): false,
		"": false, "*": false, "w an": false, "a.b": false, "a/b": false, `a"`: false,
	} {
		if err := CheckZone(z); (err == nil) != ok {
			t.Errorf("CheckZone(%q) = %v", z, err)
		}
	}
	if err := checkZone("src zone", "*", true); err != nil {
		t.Errorf("any zone for a rule: %v", err)
	}
}

func TestCheckPrefix(t *testing.T) {
	for p, ok := range map[string]bool{
		"KnockSSH": true, "a-b_c": true, "9lives": true, strings.Repeat("x", MaxPrefixLen): true,
		"": false, "-a": false, "_a": false, "a b": false, "a.b": false, "ä": false, strings.Repeat("x", MaxPrefixLen+1): false,
	} {
		if err := CheckPrefix(p); (err == nil) != ok {
			t.Errorf("CheckPrefix(%q) = %v", p, err)
		}
	}
}
