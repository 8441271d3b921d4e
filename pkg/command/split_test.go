package command

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func TestSplitValid(t *testing.T) {
	cases := []struct {
		line string
		want []string
	}{
		{"iptables -I INPUT -s %IP% -j ACCEPT", []string{"iptables", "-I", "INPUT", "-s", "%IP%", "-j", "ACCEPT"}},
		{"  a\tb\nc  ", []string{"a", "b", "c"}},
		{`'a b' "c d" e\ f`, []string{"a b", "c d", "e f"}},
		{`""`, []string{""}},
		{`a '' ""`, []string{"a", "", ""}},
		{`"a\"b\\c\$d\` + "`" + `e\x"`, []string{"a\"b\\c$d`e\\x"}},
		{`'it'\''s'`, []string{"it's"}},
		{`it\'s`, []string{"it's"}},
		{"a\\\nb", []string{"ab"}},
		{"\"a\\\nb\"", []string{"ab"}},
		{`'$HOME' '$(id)' '` + "`id`" + `' \$x`, []string{"$HOME", "$(id)", "`id`", "$x"}},
		{`'a|b' "c;d" e\&f '<>' "()"`, []string{"a|b", "c;d", "e&f", "<>", "()"}},
		{`x*y ?[z] ~ {a,b} a#b '#c' \#d`, []string{"x*y", "?[z]", "~", "{a,b}", "a#b", "#c", "#d"}},
		{`"%IP%" pre%IP%post`, []string{"%IP%", "pre%IP%post"}},
		{`sh -c 'iptables -A x -s %IP%; logger y'`, []string{"sh", "-c", "iptables -A x -s %IP%; logger y"}},
		{`a"b"'c'd`, []string{"abcd"}},
	}
	for _, c := range cases {
		got, err := Split(c.line)
		if err != nil {
			t.Errorf("Split(%q): %v", c.line, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Split(%q) = %q, want %q", c.line, got, c.want)
		}
	}
}

func TestSplitInvalid(t *testing.T) {
	cases := []struct {
		line   string
		offset int
		msg    string
	}{
		{"", 0, "empty command"},
		{"  \t", 0, "empty command"},
		{"a | b", 2, `"|" is shell syntax`},
		{"a || b", 2, `"||" is shell syntax`},
		{"a && b", 2, `"&&" is shell syntax`},
		{"a & ", 2, `"&" is shell syntax`},
		{"a; b", 1, `";" is shell syntax`},
		{"a > f", 2, `">" is shell syntax`},
		{"a >> f", 2, `">>" is shell syntax`},
		{"a < f", 2, `"<" is shell syntax`},
		{"(a)", 0, `"(" is shell syntax`},
		{"echo $(id)", 5, `"$" would be expanded`},
		{"echo $HOME", 5, `"$" would be expanded`},
		{"echo `id`", 5, "\"`\" would be expanded"},
		{`echo "$HOME"`, 6, `"$" inside double quotes`},
		{"echo \"`id`\"", 6, "\"`\" inside double quotes"},
		{"# comment", 0, "shell comment"},
		{"a # comment", 2, "shell comment"},
		{"'abc", 0, "unterminated single quote"},
		{`a "abc`, 2, "unterminated double quote"},
		{`abc\`, 3, "backslash at the end"},
	}
	for _, c := range cases {
		_, err := Split(c.line)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Split(%q) = %v, want *SyntaxError", c.line, err)
			continue
		}
		if se.Offset != c.offset || !strings.Contains(se.Msg, c.msg) {
			t.Errorf("Split(%q): %v; want byte %d and %q", c.line, err, c.offset, c.msg)
		}
		if c.msg != "empty command" && !strings.HasPrefix(c.msg, "unterminated") && !strings.HasPrefix(c.msg, "backslash") &&
			!strings.Contains(se.Msg, "sh -c") {
			t.Errorf("Split(%q): %q should point to sh -c", c.line, se.Msg)
		}
	}
}

func TestExpand(t *testing.T) {
	argv := []string{"fw", "%IP%", "-s%IP%/32", "%IP%%IP%", "plain"}
	cases := []struct {
		ip   netip.Addr
		text string
	}{
		{netip.MustParseAddr("192.0.2.7"), "192.0.2.7"},
		{netip.MustParseAddr("2001:db8::7"), "2001:db8::7"},
		{netip.MustParseAddr("fe80::1%eth0"), "fe80::1"},
		{netip.MustParseAddr("fe80::1").WithZone("eth0; reboot $(id) `id` | x"), "fe80::1"},
		{netip.MustParseAddr("::ffff:192.0.2.7"), "::ffff:192.0.2.7"},
		{netip.MustParseAddr("::"), "::"},
		{netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
		{netip.MustParseAddr("::ffff:0:0"), "::ffff:0.0.0.0"},
		{netip.MustParseAddr("64:ff9b::192.0.2.7"), "64:ff9b::c000:207"},
	}
	for _, c := range cases {
		got, err := Expand(argv, c.ip)
		if err != nil {
			t.Fatalf("Expand(%v): %v", c.ip, err)
		}
		want := []string{"fw", c.text, "-s" + c.text + "/32", c.text + c.text, "plain"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Expand(%v) = %q, want %q", c.ip, got, want)
		}
	}
	if _, err := Expand(argv, netip.Addr{}); !errors.Is(err, ErrBadAddress) {
		t.Errorf("invalid address: %v", err)
	}
	if got, err := Expand([]string{"true"}, netip.Addr{}); err != nil || !reflect.DeepEqual(got, []string{"true"}) {
		t.Errorf("no placeholder, invalid address: %q %v", got, err)
	}
	if argv[1] != "%IP%" {
		t.Error("Expand modified its input")
	}
}
