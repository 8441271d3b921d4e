package config

import (
	"bytes"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/uciknock/uciknock/pkg/knock"
)

func steps(s string) []knock.Step {
	st, err := knock.ParseSteps(s)
	if err != nil {
		panic(err)
	}
	return st
}

// TestSequenceOptions covers every sequence option: accepted values with
// their effect, and every way each one can be wrong. The section under
// test is `config sequence 'd'`, an open of port 22 unless the case says
// otherwise.
func TestSequenceOptions(t *testing.T) {
	tests := []struct {
		name  string
		opts  string
		check func(Sequence) bool
		err   string
	}{
		// enabled / name
		{"disabled is left out", "option enabled '0'\noption action 'bogus'", nil, ""},
		{"enabled bad", "option enabled '2'", nil, `knock.d.enabled: "2" is not a boolean`},
		{"name", "option name 'Knock-SSH_2'", func(s Sequence) bool { return s.Name == "Knock-SSH_2" }, ""},
		{"name from section", "", func(s Sequence) bool { return s.Name == "d" }, ""},
		{"name chars", "option name 'Knock SSH'", nil, `knock.d.name: "Knock SSH" is not a valid name`},
		{"name dot", "option name 'a.b'", nil, `knock.d.name: "a.b" is not a valid name`},
		{"name leading dash", "option name '-a'", nil, `knock.d.name: "-a" is not a valid name`},
		{"name too long", "option name '" + strings.Repeat("a", 65) + "'", nil, `knock.d.name: "aaaa`},
		{"name 64", "option name '" + strings.Repeat("a", 64) + "'", func(s Sequence) bool { return len(s.Name) == 64 }, ""},
		// sequence
		{"sequence words", "option sequence '1 2:udp,3:TCP'", func(s Sequence) bool { return reflect.DeepEqual(s.Steps, steps("1,2:udp,3")) }, ""},
		{"sequence list", "list sequence '1,2'\nlist sequence '3:udp'", func(s Sequence) bool { return reflect.DeepEqual(s.Steps, steps("1,2,3:udp")) }, ""},
		{"sequence port 0", "option sequence '0 1'", nil, `knock.d.sequence: knock "0": port 0 out of range`},
		{"sequence port big", "option sequence '1,70000'", nil, `knock.d.sequence: knock "70000": port 70000 out of range`},
		{"sequence proto", "option sequence '1:icmp'", nil, `knock.d.sequence: knock "1:icmp": unknown protocol`},
		{"sequence garbage", "option sequence 'abc'", nil, `knock.d.sequence: knock "abc": port "abc" is not a decimal number`},
		{"sequence empty", "option sequence ' , '", nil, `knock.d.sequence: empty sequence`},
		{"sequence 33", "option sequence '" + strings.Repeat("1 ", 33) + "'", nil, `knock.d.sequence: 33 knocks, at most 32 allowed`},
		// one-time, totp
		{"one time", "list one_time_sequences '1,2'\nlist one_time_sequences '3 4:udp'", func(s Sequence) bool {
			return s.Steps == nil && reflect.DeepEqual(s.OneTime, [][]knock.Step{steps("1,2"), steps("3,4:udp")})
		}, ""},
		{"one time bad item", "list one_time_sequences '1,2'\nlist one_time_sequences '3,x'", nil, `knock.d.one_time_sequences: item 2: knock "x"`},
		{"one time twice", "list one_time_sequences '1,2'\nlist one_time_sequences '1 2'", nil, `knock.d.one_time_sequences: 1,2 is listed twice`},
		{"one time file", "option one_time_file '/etc/knock/ssh.otp'", func(s Sequence) bool { return s.OneTimeFile == "/etc/knock/ssh.otp" }, ""},
		{"one time file relative", "option one_time_file 'ssh.otp'", nil, `knock.d.one_time_file: "ssh.otp" is not an absolute path`},
		{"two knock kinds", "option one_time_file '/x'\noption sequence '1 2'", nil, `knock.d.one_time_file: conflicts with sequence`},
		{"totp defaults", "option totp_secret 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'", func(s Sequence) bool {
			t := s.TOTP
			return t != nil && len(t.Secret) == 20 && t.Length == 3 && t.Period == 30*time.Second && t.Min == 10000 && t.Max == 59999 && t.Proto == knock.ProtoTCP
		}, ""},
		{"totp options", "option totp_secret 'jbswy3dpehpk3pxp jbswy3dpehpk3pxp===='\noption totp_length '5'\noption totp_step '1m'\noption totp_ports '2000-2999'\noption totp_proto 'UDP'", func(s Sequence) bool {
			t := s.TOTP
			return bytes.HasPrefix(t.Secret, []byte("Hello!")) && t.Length == 5 && t.Period == time.Minute && t.Min == 2000 && t.Max == 2999 && t.Proto == knock.ProtoUDP
		}, ""},
		{"totp short secret", "option totp_secret 'JBSWY3DPEHPK3PXP'", nil, `knock.d.totp_secret: totp secret: 10 bytes, need at least 16 (26 base32 characters)`},
		{"totp not base32", "option totp_secret '0000000000000000000000000000000000'", nil, `knock.d.totp_secret: totp secret: not base32`},
		{"totp length", "option totp_secret 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'\noption totp_length '33'", nil, `knock.d.totp_length: TOTP length 33 out of range (1-32)`},
		{"totp step", "option totp_secret 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'\noption totp_step '4'", nil, `knock.d.totp_step: "4" is out of range (5s..1h)`},
		{"totp ports form", "option totp_secret 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'\noption totp_ports '2000'", nil, `knock.d.totp_ports: "2000" is not a port range (min-max)`},
		{"totp ports narrow", "option totp_secret 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'\noption totp_ports '2000-2014'", nil, `knock.d.totp_ports: TOTP port range 2000-2014 holds fewer than 16 ports`},
		{"totp ports bad", "option totp_secret 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'\noption totp_ports '0-2014'", nil, `knock.d.totp_ports: port 0 out of range`},
		{"totp proto", "option totp_secret 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'\noption totp_proto 'sctp'", nil, `knock.d.totp_proto: unknown protocol "sctp"`},
		{"totp option alone", "option sequence '1 2'\noption totp_length '4'", nil, `knock.d.totp_length: set without totp_secret`},
		// knock filters
		{"tcpflags", "option tcpflags 'syn, !ack'", func(s Sequence) bool { return s.Flags == knock.FlagRule{Require: knock.FlagSYN, Forbid: knock.FlagACK} }, ""},
		{"tcpflags list", "list tcpflags 'syn'\nlist tcpflags '!rst'", func(s Sequence) bool { return s.Flags == knock.FlagRule{Require: knock.FlagSYN, Forbid: knock.FlagRST} }, ""},
		{"tcpflags bad", "option tcpflags 'syn,ece'", nil, `knock.d.tcpflags: tcpflags "syn,ece": unknown flag "ece"`},
		{"tcpflags empty", "option tcpflags ','", nil, `knock.d.tcpflags: no flags`},
		{"seq_timeout", "option seq_timeout '5'", func(s Sequence) bool { return s.SeqTimeout == 5*time.Second }, ""},
		{"seq_timeout ms", "option seq_timeout '1500ms'", func(s Sequence) bool { return s.SeqTimeout == 1500*time.Millisecond }, ""},
		{"seq_timeout zero", "option seq_timeout '0'", nil, `knock.d.seq_timeout: "0" is out of range (100ms..1h)`},
		{"seq_timeout atoi", "option seq_timeout '5x'", nil, `knock.d.seq_timeout: "5x" has an unknown unit "x"`},
		{"target", "option target '2001:db8::1'", func(s Sequence) bool { return s.Target == netip.MustParseAddr("2001:db8::1") }, ""},
		{"target bad", "option target 'router'", nil, `knock.d.target: "router" is not an IP address`},
		// action and door options
		{"action bad", "option action 'allow'", nil, `knock.d.action: "allow" is not an action`},
		{"action list", "list action 'open'", nil, `knock.d.action: must be a single option, not a list`},
		{"proto both", "option proto 'tcp udp'", func(s Sequence) bool { return s.Proto == ProtoTCPUDP }, ""},
		{"proto tcpudp", "option proto 'tcpudp'", func(s Sequence) bool { return s.Proto == ProtoTCPUDP }, ""},
		{"proto list", "list proto 'udp'\nlist proto 'tcp'", func(s Sequence) bool { return s.Proto == ProtoTCPUDP }, ""},
		{"proto udp", "option proto 'UDP'", func(s Sequence) bool { return s.Proto == ProtoUDP }, ""},
		{"proto all", "option proto 'all'", nil, `knock.d.proto: "all" is not a door protocol`},
		{"dest_port range", "option dest_port '22-23'", nil, `knock.d.dest_port: port "22-23" is not a decimal number`},
		{"src zone", "option src 'wan6'", func(s Sequence) bool { return s.SrcZone == "wan6" }, ""},
		{"src zone bad", "option src 'a b'", nil, `knock.d.src: "a b" is not a firewall zone name`},
		{"timeout", "option timeout '90'", func(s Sequence) bool { return s.Timeout == 90*time.Second }, ""},
		{"timeout never", "option timeout '0'", func(s Sequence) bool { return s.Timeout == 0 }, ""},
		{"timeout days", "option timeout '30d'", func(s Sequence) bool { return s.Timeout == 30*24*time.Hour }, ""},
		{"timeout too long", "option timeout '31d'", nil, `knock.d.timeout: "31d" is out of range (0..30d)`},
		{"kill_sessions", "option kill_sessions '1'", func(s Sequence) bool { return s.KillSessions }, ""},
		{"kill_sessions bad", "option kill_sessions 'sometimes'", nil, `knock.d.kill_sessions: "sometimes" is not a boolean`},
		{"option of other action", "option dest_ip '192.168.1.2'", nil, `knock.d.dest_ip: not used by action open`},
		{"command option on open", "option start_command '/bin/true'", nil, `knock.d.start_command: not used by action open`},
		{"unknown option", "option timout '60'", nil, `knock.d.timout: unknown option (did you mean "timeout"?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := "config sequence 'd'\noption action 'open'\noption dest_port '22'\n"
			if !strings.Contains(tt.opts, "sequence") && !strings.Contains(tt.opts, "totp_secret") && !strings.Contains(tt.opts, "one_time") {
				text += "option sequence '7000 8000'\n"
			}
			// Later options replace earlier ones, so a case can override.
			c, err := parseText(t, text+tt.opts)
			if tt.err != "" {
				wantErr(t, err, tt.err)
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if tt.check == nil {
				if len(c.Sequences) != 0 {
					t.Errorf("disabled section kept: %+v", c.Sequences)
				}
				return
			}
			if len(c.Sequences) != 1 || !tt.check(c.Sequences[0]) {
				t.Errorf("unexpected result %+v", c.Sequences)
			}
		})
	}
}
