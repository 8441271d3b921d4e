package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestCrossSection(t *testing.T) {
	tests := []struct {
		name string
		text string
		errs []string
	}{
		{"seed ssh open and close", `
config sequence 'openSSH'
	option name 'KnockdSSH'
	option sequence '12345 34512 54321'
	option dest_port '22'
config sequence 'closeSSH'
	option name 'KnockdSSH'
	option sequence '54321 12345 11123'
	option action 'close'
	option dest_port '22'
config sequence 'openFORWARD'
	option name 'KnockdFW'
	option sequence '1455 3244 1000'
	option action 'forward'
	option src_dport '81'
	option dest_ip '192.168.1.99'
	option dest_port '80'
config sequence 'closeFORWARD'
	option name 'KnockdFW'
	option sequence '3244 1455 1001'
	option action 'unforward'
	option src_dport '81'
`, nil},
		{"close without open", `
config sequence 'c'
	option name 'KnockSSH'
	option sequence '1 2'
	option action 'close'
	option dest_port '22'
`, []string{`knock.c.dest_port: no enabled open sequence has name "KnockSSH" and dest_port 22: a close finds its door by name and port, so this one would never close anything`}},
		{"close of other port", `
config sequence 'o'
	option name 'KnockSSH'
	option sequence '3 4'
	option dest_port '2222'
config sequence 'c'
	option name 'KnockSSH'
	option sequence '1 2'
	option action 'close'
	option dest_port '22'
`, []string{`knock.c.dest_port: no enabled open sequence has name "KnockSSH" and dest_port 22: a close finds its door by name and port, so this one would never close anything`}},
		{"close of disabled open", `
config sequence 'o'
	option enabled '0'
	option name 'KnockSSH'
	option sequence '3 4'
	option dest_port '22'
config sequence 'c'
	option name 'KnockSSH'
	option sequence '1 2'
	option action 'close'
	option dest_port '22'
`, []string{`knock.c.dest_port: no enabled open sequence has name "KnockSSH" and dest_port 22: a close finds its door by name and port, so this one would never close anything`}},
		{"unforward matches forward only", `
config sequence 'o'
	option name 'K'
	option sequence '3 4'
	option dest_port '80'
config sequence 'u'
	option name 'K'
	option sequence '1 2'
	option action 'unforward'
	option src_dport '80'
`, []string{`knock.u.src_dport: no enabled forward sequence has name "K" and src_dport 80: an unforward finds its door by name and port, so this one would never close anything`}},
		{"same sequence twice", `
config sequence 'a'
	option sequence '1 2 3'
	option dest_port '22'
config sequence
	option name 'b'
	option sequence '1,2,3:tcp'
	option dest_port '23'
`, []string{`knock.@sequence[1].sequence: 1,2,3 is also the sequence of knock.a: which one to run would be a guess`}},
		{"protocols differ", `
config sequence 'a'
	option sequence '1 2 3'
	option dest_port '22'
config sequence 'b'
	option sequence '1 2 3:udp'
	option dest_port '23'
`, nil},
		{"prefix", `
config sequence 'a'
	option sequence '1 2 3'
	option dest_port '22'
config sequence 'b'
	option sequence '1 2'
	option dest_port '23'
config sequence 'c'
	option sequence '1 2 3 4'
	option dest_port '24'
`, []string{
			`knock.b.sequence: 1,2 is the start of knock.a's sequence: knocking that one would also complete this one`,
			`knock.c.sequence: starts with all of knock.a's sequence 1,2,3: knocking this one would also complete that one`,
			`knock.c.sequence: starts with all of knock.b's sequence 1,2: knocking this one would also complete that one`}},
		{"same sequence, different targets", `
config sequence 'a'
	option sequence '1 2 3'
	option target '192.0.2.1'
	option dest_port '22'
config sequence 'b'
	option sequence '1 2 3'
	option target '192.0.2.2'
	option dest_port '23'
config sequence 'c'
	option sequence '1 2'
	option dest_port '24'
`, []string{
			`knock.c.sequence: 1,2 is the start of knock.a's sequence: knocking that one would also complete this one`,
			`knock.c.sequence: 1,2 is the start of knock.b's sequence: knocking that one would also complete this one`}},
		{"one-time equals a sequence", `
config sequence 'a'
	option sequence '1 2 3'
	option dest_port '22'
config sequence 'b'
	list one_time_sequences '5 6'
	list one_time_sequences '1 2 3'
	option dest_port '23'
`, []string{`knock.b.one_time_sequences: 1,2,3 is also the sequence of knock.a: which one to run would be a guess`}},
		{"disabled duplicate is fine", `
config sequence 'a'
	option sequence '1 2 3'
	option dest_port '22'
config sequence 'b'
	option enabled '0'
	option sequence '1 2 3'
	option dest_port '22'
`, nil},
		{"same door, same settings", `
config sequence 'a'
	option name 'K'
	option sequence '1 2 3'
	option dest_port '22'
config sequence 'b'
	option name 'K'
	option sequence '4 5 6'
	option dest_port '22'
	option timeout '60'
`, nil},
		{"same door, other proto", `
config sequence 'a'
	option name 'K'
	option sequence '1 2 3'
	option dest_port '22'
config sequence 'b'
	option name 'K'
	option sequence '4 5 6'
	option dest_port '22'
	option proto 'udp'
`, []string{`knock.b: opens door K_IP_22 like knock.a but with different proto, zones or destination`}},
		{"rule and redirect with one name", `
config sequence 'a'
	option name 'K'
	option sequence '1 2 3'
	option dest_port '80'
config sequence 'b'
	option name 'K'
	option sequence '4 5 6'
	option action 'forward'
	option src_dport '80'
	option dest_ip '192.168.1.2'
`, []string{`knock.b: knock.a and knock.b would both create firewall sections named K_IP_80; use different names`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseText(t, tt.text)
			if tt.errs == nil {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			if got := fieldErrors(t, err); !reflect.DeepEqual(got, tt.errs) {
				t.Errorf("errors:\n%q\nwant\n%q", got, tt.errs)
			}
		})
	}
}

// TestAllErrorsAtOnce: one Parse reports every problem, in file order,
// each under its own path; anonymous indexes count every section of the
// type, named ones included, as `uci show` does.
func TestAllErrorsAtOnce(t *testing.T) {
	_, err := parseText(t, `
config knockd 'main'
	option capacity '1'
config sequence 'ssh'
	option sequence '7000 70000'
	option dest_port '22'
config sequence
	option name 'x'
	option sequence '1 2'
	option action 'shut'
config bogus
config sequence
	option name 'y'
	option sequence '3 4'
	option dest_port '0'
`)
	want := []string{
		`knock.main.capacity: "1" is not a number of sources in 16..65536`,
		`knock.ssh.sequence: knock "70000": port 70000 out of range (1-65535)`,
		`knock.@sequence[1].action: "shut" is not an action (open, close, forward, unforward, command)`,
		`knock.@bogus[0]: unknown section type "bogus" (use knockd or sequence)`,
		`knock.@sequence[2].dest_port: port 0 out of range (1-65535)`,
	}
	got := fieldErrors(t, err)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n%q\nwant\n%q", got, want)
	}
	if err.Error() != "5 errors:\n\t"+want[0]+"\n\t"+want[1]+"\n\t"+want[2]+"\n\t"+want[3]+"\n\t"+want[4] {
		t.Errorf("Error() = %q", err.Error())
	}
}

func TestParseNil(t *testing.T) {
	if _, err := Parse(nil); err == nil {
		t.Error("Parse(nil) succeeded")
	}
}

// TestAmbiguityCap: a config with very many conflicts lists the first
// maxAmbiguities and says that there are more, instead of taking quadratic
// time and space.
func TestAmbiguityCap(t *testing.T) {
	var b strings.Builder
	b.WriteString("config sequence 'otp'\n\toption dest_port '22'\n")
	for i := 0; i < 2000; i++ {
		b.WriteString("\tlist one_time_sequences '1 2 3'\n")
	}
	_, err := parseText(t, b.String())
	got := fieldErrors(t, err)
	if len(got) != maxAmbiguities+1 {
		t.Fatalf("%d errors", len(got))
	}
	if got[0] != "knock.otp.one_time_sequences: 1,2,3 is listed twice" ||
		got[maxAmbiguities] != "knock.otp: more ambiguous sequences not listed (the first 64 are)" {
		t.Errorf("errors %q ... %q", got[0], got[maxAmbiguities])
	}
}
