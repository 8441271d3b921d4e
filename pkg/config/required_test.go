package config

import (
	"net/netip"
	"reflect"
	"testing"
	"time"
)

// TestRequiredOptions covers the options each action cannot do without,
// and the defaults of the optional ones.
func TestRequiredOptions(t *testing.T) {
	tests := []struct {
		name string
		body string
		errs []string
	}{
		{"no knocks", "option dest_port '22'", []string{
			"knock.d.sequence: missing: a sequence needs knocks (sequence, one_time_sequences, one_time_file or totp_secret)"}},
		{"open without port", "option sequence '1 2'", []string{
			"knock.d.dest_port: missing: action open needs the port to open"}},
		{"forward without anything", "option sequence '1 2'\noption action 'forward'", []string{
			"knock.d.src_dport: missing: action forward needs the external port",
			"knock.d.dest_ip: missing: action forward needs the internal host's address"}},
		{"forward bad dest_ip", "option sequence '1 2'\noption action 'forward'\noption src_dport '80'\noption dest_ip '192.168.1.0/24'", []string{
			`knock.d.dest_ip: "192.168.1.0/24" is not an IP address`}},
		{"forward multicast dest_ip", "option sequence '1 2'\noption action 'forward'\noption src_dport '80'\noption dest_ip '224.0.0.1'", []string{
			`knock.d.dest_ip: 224.0.0.1 is not a host address`}},
		{"forward bad dest zone", "option sequence '1 2'\noption action 'forward'\noption src_dport '80'\noption dest_ip '192.168.1.9'\noption dest 'l.an'", []string{
			`knock.d.dest: "l.an" is not a firewall zone name ([A-Za-z0-9_-], at most 64 bytes)`}},
		{"close without port", "option sequence '1 2'\noption action 'close'", []string{
			"knock.d.dest_port: missing: action close closes the door with this name and port"}},
		{"unforward without port", "option sequence '1 2'\noption action 'unforward'", []string{
			"knock.d.src_dport: missing: action unforward closes the door with this name and port"}},
		{"unforward with dest_port", "option sequence '1 2'\noption action 'unforward'\noption src_dport '80'\noption dest_port '80'\noption timeout '5'", []string{
			"knock.d.dest_port: not used by action unforward",
			// A section with errors of its own is left out of the
			// cross-section checks: no "no matching forward" here.
			"knock.d.timeout: not used by action unforward"}},
		{"command without start", "option sequence '1 2'\noption action 'command'\noption stop_command '/bin/true'", []string{
			"knock.d.start_command: missing: action command needs a start_command"}},
		{"command control char", "option sequence '1 2'\noption start_command '/bin/echo\x01'", []string{
			`knock.d.start_command: command contains a control character ('\x01')`}},
		{"command with shell syntax", "option sequence '1 2'\noption start_command 'iptables -I INPUT -s %IP% -j ACCEPT; logger x'", []string{
			`knock.d.start_command: command "iptables -I INPUT -s %IP% -j ACCEPT; logger x": byte 35: ";" is shell syntax; commands run without a shell, write sh -c '...' to use one`}},
		{"command unterminated quote", "option sequence '1 2'\noption start_command '/bin/echo \"a'", []string{
			`knock.d.start_command: command "/bin/echo \"a": byte 10: unterminated double quote`}},
		{"cmd_timeout without stop", "option sequence '1 2'\noption start_command '/bin/true'\noption cmd_timeout '5'", []string{
			"knock.d.cmd_timeout: set but there is no stop_command to run after it"}},
		{"cmd_timeout bounds", "option sequence '1 2'\noption start_command '/bin/true'\noption stop_command '/bin/false'\noption cmd_timeout '0'", []string{
			`knock.d.cmd_timeout: "0" is out of range (1s..30d)`}},
		{"anonymous open needs a name", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.body == "" {
				_, err := parseText(t, "config sequence\noption sequence '1 2'\noption dest_port '22'")
				wantErr(t, err, "knock.@sequence[0].name: missing: action open needs a name, the prefix of the firewall rule names")
				return
			}
			_, err := parseText(t, "config sequence 'd'\n"+tt.body)
			if got := fieldErrors(t, err); !reflect.DeepEqual(got, tt.errs) {
				t.Errorf("errors:\n%q\nwant\n%q", got, tt.errs)
			}
		})
	}
}

func TestCommandAction(t *testing.T) {
	c := mustParse(t, `
config sequence
	option sequence '1 2'
	option start_command '/usr/bin/logger knock %IP%'
config sequence
	option sequence '3 4'
	option action 'command'
	option start_command '/bin/a %IP%'
	option stop_command '/bin/b %IP%'
	option start_command_6 '/bin/a6 %IP%'
	option cmd_timeout '1h'
`)
	a, b := c.Sequences[0], c.Sequences[1]
	want := Sequence{Path: "knock.@sequence[0]", Name: "@sequence[0]", Steps: steps("1,2"), SeqTimeout: 25 * time.Second,
		Action: ActionCommand, StartCommand: "/usr/bin/logger knock %IP%", StartCommand6: "/usr/bin/logger knock %IP%",
		Start: []string{"/usr/bin/logger", "knock", "%IP%"}, Start6: []string{"/usr/bin/logger", "knock", "%IP%"}, CmdTimeout: 10 * time.Second}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("got  %+v\nwant %+v", a, want)
	}
	if b.Name != "@sequence[1]" || b.StartCommand6 != "/bin/a6 %IP%" || b.StopCommand6 != "/bin/b %IP%" || b.CmdTimeout != time.Hour ||
		!reflect.DeepEqual(b.Stop, []string{"/bin/b", "%IP%"}) || !reflect.DeepEqual(b.Stop6, b.Stop) || !reflect.DeepEqual(b.Start6, []string{"/bin/a6", "%IP%"}) {
		t.Errorf("got %+v", b)
	}
}

func TestForwardDefaults(t *testing.T) {
	c := mustParse(t, `
config sequence 'web'
	option name 'KnockWeb'
	option sequence '1 2'
	option action 'forward'
	option proto 'tcp udp'
	option src_dport '8080'
	option dest_ip '2001:db8::10'
	option timeout '0'
	option kill_sessions 'yes'
`)
	want := Sequence{Path: "knock.web", Name: "KnockWeb", Steps: steps("1,2"), SeqTimeout: 25 * time.Second,
		Action: ActionForward, Proto: ProtoTCPUDP, Port: 8080, SrcZone: "wan", DestZone: "lan",
		DestIP: netip.MustParseAddr("2001:db8::10"), DestPort: 8080, KillSessions: true}
	if !reflect.DeepEqual(c.Sequences[0], want) {
		t.Errorf("got  %+v\nwant %+v", c.Sequences[0], want)
	}
	k := c.Sequences[0].Knock()
	if k.Name != "KnockWeb" || k.Timeout != 25*time.Second || len(k.Steps) != 2 {
		t.Errorf("Knock() = %+v", k)
	}
}
