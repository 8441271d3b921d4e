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

// cStrtol is strtol(s, &end, 10) narrowed to a C int: leading white
// space, an optional sign, digits. It returns the value and how many
// bytes were used (0 when there are no digits, as strtol sets end = s).
func cStrtol(s string) (int, int) {
	i := 0
	for i < len(s) && syntax.IsSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var u uint64
	over := false
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		d := uint64(s[i] - '0')
		if u > (1<<63-d)/10 {
			over = true
		} else {
			u = u*10 + d
		}
		i++
	}
	if i == start {
		return 0, 0
	}
	// long (64-bit) saturates at LONG_MAX/LONG_MIN, then the assignment
	// to int keeps the low 32 bits.
	var v int64
	switch {
	case over && neg:
		v = -1 << 63
	case over || (!neg && u == 1<<63):
		v = 1<<63 - 1
	case neg:
		v = -int64(u)
	default:
		v = int64(u)
	}
	return int(int32(v)), i
}
