package command

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// quote is the inverse of Split for one argument: single quotes; an
// embedded single quote closes the quoting, is escaped, and reopens it.
func quote(a string) string {
	return "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
}

// FuzzSplit: Split never panics; what it accepts is non-empty, survives a
// quote/split round trip, and %IP% expansion never changes the number of
// arguments nor leaves shell-special characters from the address.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{
		"iptables -I INPUT -s %IP% -j ACCEPT",
		`'a b' "c d" e\ f`, `"a\"b\\c\$d"`, `'it'\''s'`, "a\\\nb",
		"a | b", "echo $(id)", "a # c", `"unterminated`, `x*y ?[z] ~`,
		`sh -c 'iptables -A x -s %IP%; logger y'`,
	} {
		f.Add(s)
	}
	ip := netip.MustParseAddr("2001:db8::7")
	f.Fuzz(func(t *testing.T, line string) {
		argv, err := Split(line)
		if err != nil {
			return
		}
		if len(argv) == 0 {
			t.Fatalf("Split(%q) accepted an empty command", line)
		}
		quoted := make([]string, len(argv))
		for i, a := range argv {
			quoted[i] = quote(a)
		}
		again, err := Split(strings.Join(quoted, " "))
		if err != nil || !reflect.DeepEqual(again, argv) {
			t.Fatalf("round trip of %q: %q, %v", argv, again, err)
		}
		exp, err := Expand(argv, ip)
		if err != nil || len(exp) != len(argv) {
			t.Fatalf("Expand changed the argument count: %q -> %q (%v)", argv, exp, err)
		}
	})
}
