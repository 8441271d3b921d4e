package config

import (
	"reflect"
	"testing"

	"github.com/uciknock/uciknock/uci"
)

// Same replaces reflect.DeepEqual in the daemon's reload: configurations
// that differ only in comments and layout are Same (and DeepEqual);
// any change of a value, order or name is not.
func TestSame(t *testing.T) {
	base := `config knockd 'main'
	option interface 'wan'
config sequence 'ssh'
	option action 'open'
	option sequence '7000,8000,9000'
	option dest_port '22'
	option name 'KnockSSH'
config sequence
	option action 'open'
	list sequence '1000'
	list sequence '2000:udp'
	option dest_port '80'
	option name 'KnockWeb'
`
	relaid := "# knock\n" + `config knockd main
  option interface wan   # the uplink
config sequence ssh
  option action open
  option sequence "7000,8000,9000"
  option dest_port 22
  option name KnockSSH

config sequence
  option action open
  list sequence 1000
  list sequence 2000:udp
  option dest_port 80
  option name KnockWeb
`
	a, b := mustParse(t, base), mustParse(t, relaid)
	if !a.Same(b) || !b.Same(a) {
		t.Fatal("same configuration in another layout: not Same")
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatal("Same configurations differ")
	}
	for name, text := range map[string]string{
		"value":   replace(t, base, "'22'", "'2222'"),
		"list":    replace(t, base, "'2000:udp'", "'2000'"),
		"section": replace(t, base, "sequence 'ssh'", "sequence 'ssh2'"),
		"order": replace(t, base, "\toption dest_port '22'\n\toption name 'KnockSSH'",
			"\toption name 'KnockSSH'\n\toption dest_port '22'"),
		"added": base + "config sequence\n\toption action 'open'\n\toption sequence '3000'\n\toption dest_port '443'\n\toption name 'KnockTLS'\n\toption enabled '0'\n",
	} {
		if mustParse(t, text).Same(a) {
			t.Errorf("%s changed: still Same", name)
		}
	}
	other, err := Parse(pkgFromName(t, "knock2", base))
	if err != nil {
		t.Fatal(err)
	}
	if other.Same(a) {
		t.Error("another package name: still Same")
	}
	if (&Config{}).Same(&Config{}) || a.Same(nil) || (*Config)(nil).Same(a) {
		t.Error("a Config not made by Parse is Same")
	}
}

func replace(t *testing.T, s, old, new string) string {
	t.Helper()
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + new + s[i+len(old):]
		}
	}
	t.Fatalf("%q not in the test config", old)
	return ""
}

func pkgFromName(t *testing.T, name, text string) *uci.Package {
	t.Helper()
	p, err := uci.Parse(name, []byte(text))
	if err != nil {
		t.Fatalf("uci.Parse: %v", err)
	}
	return p
}
