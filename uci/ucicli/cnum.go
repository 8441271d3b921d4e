package ucicli

import "github.com/uciknock/uciknock/uci/internal/syntax"

// cStrtoul is strtoul(s, NULL, 10) converted to a C int, as the CLI passes
// it to uci_reorder_section: "-1" wraps to -1, junk gives 0.
func cStrtoul(s string) int {
	v, n := cStrtol(s)
	if n == 0 {
		return 0
	}
	return v
}

// scanInt is sscanf(s, "%d", &v)'s return value: 1 when s starts (after
// white space) with an optionally signed number, -1 at end of input,
// 0 otherwise.
func scanInt(s string) (int, int) {
	i := 0
	for i < len(s) && syntax.IsSpace(s[i]) {
		i++
	}
	if i == len(s) {
		return 0, -1
	}
	v, n := cStrtol(s[i:])
	if n == 0 {
		return 0, 0
	}
	return v, 1
}
