package knockdconf

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/uciknock/uciknock/pkg/knock"
)

func TestParse(t *testing.T) {
	f, err := Parse("k.conf", []byte(strings.Join([]string{
		"# comment",
		"[options]",
		"  UseSyslog",
		"  INTERFACE = eth0.2",
		"  PidFile=/var/run/k.pid",
		"[door one]",
		"\tSequence = 7000:TCP, 8000 : Udp,9000",
		"\tTimeout = 10",
		"\tTCPFlags = SYN,!ack",
		"\tCommand = /bin/a %IP%",
		"\tcommand_6 = /bin/a6 %IP%",
		"\tstop_command = /bin/b %IP%",
		"\tSTOP_COMMAND_6 = ",
		"\tcmd_timeout = 20",
		"\ttarget = 192.0.2.1",
		"\tusesyslog",
		"[door one]",
		"\tone_time_sequences = /etc/knockd/otp",
		"\tsequence = 1",
		"\tsequence = 2,3",
	}, "\r\n")))
	if err != nil {
		t.Fatal(err)
	}
	if f.Interface != (Setting{"eth0.2", 4}) || f.PidFile != (Setting{"/var/run/k.pid", 5}) || f.UseSyslog.Line != 16 || f.LogFile.Set() {
		t.Errorf("options: %+v", f)
	}
	if len(f.Doors) != 2 {
		t.Fatalf("%d doors", len(f.Doors))
	}
	d := f.Doors[0]
	want := &Door{Name: "door one", Line: 6,
		Sequence: []knock.Step{{Port: 7000, Proto: knock.ProtoTCP}, {Port: 8000, Proto: knock.ProtoUDP}, {Port: 9000, Proto: knock.ProtoTCP}}, SeqLine: 7,
		SeqTimeout: 10 * time.Second, SeqTOLine: 8,
		TCPFlags: knock.FlagRule{Require: knock.FlagSYN, Forbid: knock.FlagACK}, FlagsLine: 9,
		StartCommand: Setting{"/bin/a %IP%", 10}, StartCommand6: Setting{"/bin/a6 %IP%", 11},
		StopCommand: Setting{"/bin/b %IP%", 12}, StopCommand6: Setting{"", 13},
		CmdTimeout: 20 * time.Second, CmdTOLine: 14,
		Target: netip.MustParseAddr("192.0.2.1"), TargetLine: 15}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("door:\n%+v\nwant\n%+v", d, want)
	}
	d2 := f.Doors[1]
	if d2.Name != "door one" || d2.OneTime != (Setting{"/etc/knockd/otp", 18}) || len(d2.Sequence) != 2 || d2.SeqTimeout != 25*time.Second || d2.CmdTimeout != 10*time.Second {
		t.Errorf("second door: %+v", d2)
	}
	if len(f.Warnings) != 1 || f.Warnings[0] != (Warning{20, "SEQUENCE repeated (line 19); the last value wins, as in knockd"}) {
		t.Errorf("warnings: %+v", f.Warnings)
	}
}

// TestParseErrors: malformed files. Every problem is reported, with
// file:line, in one go.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		text string
		errs []string
	}{
		{"directive before section", "sequence = 1\n[options]", []string{"k:1: all directives must belong to a section"}},
		{"empty section name", "[]", []string{"k:1: bad section name"}},
		{"capital Options", "[Options]\n logfile = /x", []string{"k:1: [Options] is a door in knockd, which only takes a lower-case [options] as the global section"}},
		{"no equals", "[d]\n sequence 1,2", []string{`k:2: syntax error: "sequence 1,2" is not a directive (key = value)`, "k:1: section [d] has an empty knock sequence"}},
		{"usesyslog value", "[options]\nUseSyslog = yes", []string{"k:2: syntax error: UseSyslog takes no value"}},
		{"unknown option", "[options]\nColour = red", []string{"k:2: syntax error: unknown directive COLOUR"}},
		{"door key in options", "[options]\nsequence = 1", []string{"k:2: syntax error: SEQUENCE belongs in a door section, not in [options]"}},
		{"option key in door", "[d]\nsequence = 1\ninterface = eth0", []string{"k:3: syntax error: INTERFACE belongs in [options], not in door [d]"}},
		{"unknown door key", "[d]\nsequence = 1\nport = 22", []string{"k:3: syntax error: unknown directive PORT"}},
		{"empty sequence", "[d]\ncommand = /bin/true", []string{"k:1: section [d] has an empty knock sequence"}},
		{"port 0 from garbage", "[d]\nsequence = 1,abc", []string{`k:2: sequence: knock 2: knock "abc": port "abc" is not a decimal number`}},
		{"empty item", "[d]\nsequence = 1,,2", []string{`k:2: sequence: knock 2: knock "": missing port`}},
		{"port too big", "[d]\nsequence = 65536", []string{`k:2: sequence: knock 1: knock "65536": port 65536 out of range (1-65535)`}},
		{"bad proto", "[d]\nsequence = 1:icmp", []string{`k:2: sequence: knock 1: knock "1:icmp": unknown protocol "icmp" (want tcp or udp)`}},
		{"inline comment", "[d]\nsequence = 1,2:udp # x", []string{`k:2: sequence: knock 2: knock "2:udp # x": unknown protocol "udp # x" (want tcp or udp)`}},
		{"33 ports", "[d]\nsequence = " + strings.Repeat("1,", 32) + "1", []string{"k:2: sequence: too many knocks in sequence (33, at most 32)"}},
		{"timeout atoi", "[d]\nsequence = 1\nseq_timeout = 5s", []string{`k:3: seq_timeout: "5s" is not a whole number of seconds`}},
		{"cmd_timeout negative", "[d]\nsequence = 1\ncmd_timeout = -1", []string{`k:3: cmd_timeout: "-1" is not a whole number of seconds`}},
		{"tcpflags spaces", "[d]\nsequence = 1\ntcpflags = syn, ack", []string{`k:3: tcpflags "syn, ack": flag " ack" has spaces around it (knockd does not trim them)`}},
		{"target", "[d]\nsequence = 1\ntarget = myhost", []string{`k:3: target: "myhost" is not an IP address`}},
		{"one-time empty", "[d]\none_time_sequences =", []string{"k:2: one_time_sequences: empty path"}},
		{"long line", "[d]\nsequence = 1\ncommand = " + strings.Repeat("x", 4096), []string{"k:3: line longer than 4095 bytes (knockd would split it)"}},
		{"several", "[options]\nfoo = 1\n[d]\nsequence = 0\n[e]\nsequence = 1\nseq_timeout = x", []string{
			"k:2: syntax error: unknown directive FOO",
			`k:4: sequence: knock 1: knock "0": port 0 out of range (1-65535)`,
			`k:7: seq_timeout: "x" is not a whole number of seconds`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("k", []byte(tt.text))
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", f)
			}
			var es *Errors
			if !errors.As(err, &es) {
				t.Fatalf("%T is not *Errors", err)
			}
			var got []string
			for _, e := range es.List {
				got = append(got, e.Error())
			}
			if !reflect.DeepEqual(got, tt.errs) {
				t.Errorf("errors:\n%q\nwant\n%q", got, tt.errs)
			}
		})
	}
}
