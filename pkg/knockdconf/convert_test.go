package knockdconf

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/uci"
)

// convert parses and converts text, returning the sections as
// "name: opt=value ..." lines for compact comparison.
func convert(t *testing.T, text string) ([]string, []string, error) {
	t.Helper()
	f, err := Parse("k", []byte("[options]\ninterface = eth1\n"+text))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	p, warns, err := f.Convert()
	if err != nil {
		return nil, warns, err
	}
	var out []string
	for _, s := range p.Sections[1:] {
		line := s.Name + ":"
		for _, o := range s.Options {
			line += " " + o.Name + "=" + o.Values[0]
		}
		out = append(out, line)
	}
	return out, warns, nil
}

func TestConvert(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		secs  []string
		warns []string
	}{
		{"open with timed close", `[o]
sequence = 1,2
command = /etc/uciknockd.sh open-port SSH %IP% 22
stop_command = /etc/uciknockd.sh close-port SSH %IP% 22
cmd_timeout = 600`, []string{"o: name=SSH sequence=1 2 action=open dest_port=22 timeout=600"}, nil},
		{"forward with default cmd_timeout, via sh", `[f]
sequence = 1,2
command = sh /etc/uciknockd.sh forward-port FW %IP% 2222 2001:db8::5 22
stop_command = /bin/sh /etc/uciknockd.sh remove-forward-port FW %IP% 2222`,
			[]string{"f: name=FW sequence=1 2 action=forward src_dport=2222 dest_ip=2001:db8::5 dest_port=22 timeout=10"},
			[]string{"k:5: forward: uciknockd writes the redirect with reflection '0', so LAN hosts cannot bypass the knock (the seed script left NAT reflection on)"}},
		{"stop is something else", `[o]
sequence = 1,2
command = /etc/uciknockd.sh open-port SSH %IP% 22
stop_command = /usr/bin/logger closed %IP%`,
			[]string{"o: sequence=1 2 action=command start_command=/etc/uciknockd.sh open-port SSH %IP% 22 stop_command=/usr/bin/logger closed %IP%"},
			[]string{"k:6: door [o] stays a command: its stop command does not close the door it opens"}},
		{"close without open", `[c]
sequence = 1,2
command = /etc/uciknockd.sh close-port SSH %IP% 22`,
			[]string{"c: sequence=1 2 action=command start_command=/etc/uciknockd.sh close-port SSH %IP% 22"},
			[]string{"k:5: door [c] stays a command: no door in this file opens SSH port 22, and uciknockd only closes doors it opened"}},
		{"fixed address", `[o]
sequence = 1,2
command = /etc/uciknockd.sh open-port SSH 192.0.2.1 22`,
			[]string{"o: sequence=1 2 action=command start_command=/etc/uciknockd.sh open-port SSH 192.0.2.1 22"},
			[]string{`k:5: door [o] stays a command: the source address argument is "192.0.2.1", not %IP%`, "k:5: command does not use %IP%: it acts the same for every source"}},
		{"bad prefix", `[o]
sequence = 1,2
command = /etc/uciknockd.sh open-port Knock.SSH %IP% 22`,
			[]string{"o: sequence=1 2 action=command start_command=/etc/uciknockd.sh open-port Knock.SSH %IP% 22"},
			[]string{`k:5: door [o] stays a command: prefix: "Knock.SSH" is not a valid name: use letters, digits, _ and -, starting with a letter or digit`}},
		{"missing arguments and bad verb", `[o]
sequence = 1,2
command = /etc/uciknockd.sh forward-port FW %IP% 81
[p]
sequence = 3
command = /etc/uciknockd.sh open-door FW %IP% 81
[q]
sequence = 4
command = /etc/uciknockd.sh open-port FW %IP% 0`,
			[]string{
				"o: sequence=1 2 action=command start_command=/etc/uciknockd.sh forward-port FW %IP% 81",
				"p: sequence=3 action=command start_command=/etc/uciknockd.sh open-door FW %IP% 81",
				"q: sequence=4 action=command start_command=/etc/uciknockd.sh open-port FW %IP% 0"},
			[]string{
				"k:5: door [o] stays a command: uciknockd.sh forward-port needs 5 arguments, has 3",
				`k:8: door [p] stays a command: unknown uciknockd.sh verb "open-door"`,
				`k:11: door [q] stays a command: port 0 out of range (1-65535)`}},
		{"extra arguments", `[o]
sequence = 1,2
command = /etc/uciknockd.sh open-port SSH %IP% 22 extra`,
			[]string{"o: name=SSH sequence=1 2 action=open dest_port=22 timeout=0"},
			[]string{`k:5: extra uciknockd.sh arguments ["extra"] ignored, as the script did`, "k:5: door [o] never closes by itself, as in knockd; consider setting a timeout"}},
		{"ipv6 commands differ", `[o]
sequence = 1,2
command = /etc/uciknockd.sh open-port SSH %IP% 22
command_6 = /bin/true`,
			[]string{"o: sequence=1 2 action=command start_command=/etc/uciknockd.sh open-port SSH %IP% 22 start_command_6=/bin/true"},
			[]string{"k:3: door [o] stays a command: its IPv6 commands differ from the IPv4 ones", "k:6: command does not use %IP%: it acts the same for every source"}},
		{"command details", `[my door!]
sequence = 1:udp,2
seq_timeout = 25
tcpflags = ack,!syn
target = 2001:db8::1
command = /bin/echo it's %IP% > /tmp/x
stop_command = /bin/stop %IP%
start_command_6 =
cmd_timeout = 0`,
			[]string{`my_door: sequence=1:udp 2 tcpflags=!syn,ack target=2001:db8::1 action=command start_command=/bin/sh -c '/bin/echo it'\''s %IP% > /tmp/x' stop_command=/bin/stop %IP% start_command_6=/bin/true cmd_timeout=1`},
			[]string{
				"k:8: command needs a shell; written as /bin/sh -c '...', as knockd ran it",
				"k:10: empty start_command_6 (do nothing for IPv6) written as /bin/true",
				"k:11: cmd_timeout 0 raised to 1 second"}},
		{"section names", `[main]
sequence = 1
command = /bin/a %IP%
[+++]
sequence = 2
command = /bin/a %IP%
[x y]
sequence = 3
command = /bin/a %IP%
[x-y]
sequence = 4
command = /bin/a %IP%
[` + strings.Repeat("n", 70) + `]
sequence = 5
command = /bin/a %IP%`,
			[]string{
				"main_2: sequence=1 action=command start_command=/bin/a %IP%",
				"door: sequence=2 action=command start_command=/bin/a %IP%",
				"x_y: sequence=3 action=command start_command=/bin/a %IP%",
				"x_y_2: sequence=4 action=command start_command=/bin/a %IP%",
				strings.Repeat("n", 60) + ": sequence=5 action=command start_command=/bin/a %IP%"}, nil},
		{"cmd_timeout clamped once, same words for commands and doors", `[cmd]
sequence = 1
command = /bin/a %IP%
stop_command = /bin/b %IP%
cmd_timeout = 3000000
[door]
sequence = 2
command = /etc/uciknockd.sh open-port SSH %IP% 22
stop_command = /etc/uciknockd.sh close-port SSH %IP% 22
cmd_timeout = 3000000`,
			[]string{
				"cmd: sequence=1 action=command start_command=/bin/a %IP% stop_command=/bin/b %IP% cmd_timeout=2592000",
				"door: name=SSH sequence=2 action=open dest_port=22 timeout=2592000"},
			[]string{
				"k:12: cmd_timeout lowered to 30 days, the longest timeout /etc/config/knock accepts",
				"k:7: cmd_timeout lowered to 30 days, the longest timeout /etc/config/knock accepts"}},
		{"left out", `[nocmd]
sequence = 1
[rel]
one_time_sequences = otp.txt
command = /bin/a %IP%
[abs]
one_time_sequences = /etc/knockd/otp.txt
seq_timeout = 0
command = /bin/a %IP%`,
			[]string{"abs: one_time_file=/etc/knockd/otp.txt seq_timeout=1 action=command start_command=/bin/a %IP%"},
			[]string{
				"k:3: door [nocmd] left out: it has no start command, so knockd did nothing for it",
				`k:6: door [rel] left out: one_time_sequences path "otp.txt" is relative (knockd resolved it against its working directory); use an absolute path`,
				"k:9: one_time_sequences: uciknockd records used sequences under state_dir instead of marking them with '#' in the file",
				"k:10: seq_timeout 0 raised to 1 second (with 0, knockd opened only single-knock doors)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secs, warns, err := convert(t, tt.text)
			if err != nil {
				t.Fatalf("Convert: %v", err)
			}
			if !reflect.DeepEqual(secs, tt.secs) {
				t.Errorf("sections:\n%s\nwant\n%s", strings.Join(secs, "\n"), strings.Join(tt.secs, "\n"))
			}
			if !reflect.DeepEqual(warns, tt.warns) {
				t.Errorf("warnings:\n%q\nwant\n%q", warns, tt.warns)
			}
		})
	}
}

// TestConvertInvalid: knockd allows two doors with the same sequence;
// uciknockd refuses, and the error names both the UCI path and the line.
func TestConvertInvalid(t *testing.T) {
	_, _, err := convert(t, "[a]\nsequence = 1,2\ncommand = /bin/a %IP%\n[b]\nsequence = 1,2\ncommand = /bin/b %IP%\n")
	var es *Errors
	if !errors.As(err, &es) || len(es.List) != 1 {
		t.Fatalf("err = %v", err)
	}
	want := "k:7: cannot import: knock.b.sequence: 1,2 is also the sequence of knock.a: which one to run would be a guess"
	if es.List[0].Error() != want {
		t.Errorf("got  %s\nwant %s", es.List[0], want)
	}
	f, _ := Parse("k", []byte("[a]\nsequence = 1,2\ncommand = /bin/a %IP%\n[b]\nsequence = 1,2\ncommand = /bin/b %IP%\n"))
	if _, _, err := f.ToUCI(); err == nil {
		t.Error("ToUCI succeeded")
	}
	if _, _, err := f.ToConfig(); err == nil {
		t.Error("ToConfig succeeded")
	}
}

func TestQuoting(t *testing.T) {
	f, err := Parse("k", []byte("[options]\ninterface = eth1\n[d]\nsequence = 1\ncommand = /bin/echo it's %IP%\n"))
	if err != nil {
		t.Fatal(err)
	}
	batch, _, err := f.ToUCI()
	if err != nil {
		t.Fatal(err)
	}
	want := `set knock.d.start_command='/bin/sh -c '\''/bin/echo it'\''\'\'''\''s %IP%'\'''` + "\n"
	if !strings.Contains(batch, want) {
		t.Errorf("batch:\n%s\nwant line\n%s", batch, want)
	}
	text, _, err := f.ToConfig()
	if err != nil {
		t.Fatal(err)
	}
	p, err := uci.Parse("knock", text)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(p)
	if err != nil {
		t.Fatal(err)
	}
	// Both quoting layers (UCI's, then command.Split's) undone: the
	// argv the daemon runs is what knockd's shell ran.
	if argv := cfg.Sequences[0].Start; !reflect.DeepEqual(argv, []string{"/bin/sh", "-c", "/bin/echo it's %IP%"}) {
		t.Errorf("argv %q", argv)
	}
}
