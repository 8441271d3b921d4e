package knock

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/uciknock/uciknock/pkg/totp"
)

func TestParseTCPFlags(t *testing.T) {
	tests := []struct {
		in      string
		want    FlagRule
		wantErr string
	}{
		{in: "", want: FlagRule{}},
		{in: "syn", want: FlagRule{Require: FlagSYN}},
		{in: "SYN,!ACK", want: FlagRule{Require: FlagSYN, Forbid: FlagACK}},
		{in: "fin,syn,rst,psh,ack,urg", want: FlagRule{Require: 0x3f}},
		{in: "!fin,!syn,!rst,!psh,!ack,!urg", want: FlagRule{Forbid: 0x3f}},
		{in: "syn,!syn", want: FlagRule{Forbid: FlagSYN}},
		{in: "!syn,syn", want: FlagRule{Require: FlagSYN}},
		{in: "syn, ack", wantErr: "spaces"},
		{in: "syn,", wantErr: "unknown flag"},
		{in: "ece", wantErr: "unknown flag"},
		{in: "!", wantErr: "unknown flag"},
		{in: "!!syn", wantErr: "unknown flag"},
	}
	for _, tt := range tests {
		got, err := ParseTCPFlags(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseTCPFlags(%q) error = %v, want it to contain %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseTCPFlags(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestFlagRuleMatch(t *testing.T) {
	tests := []struct {
		rule  string
		flags uint8
		want  bool
	}{
		{"", 0, true},
		{"", FlagACK | FlagRST, true},
		{"syn", FlagSYN, true},
		{"syn", FlagSYN | FlagACK, true}, // subset match, like knockd
		{"syn", FlagSYN | 0xc0, true},    // ECE+CWR ignored
		{"syn", FlagACK, false},
		{"syn,!ack", FlagSYN | FlagACK, false},
		{"syn,!ack", FlagSYN, true},
		{"!rst", FlagRST | FlagACK, false},
		{"!rst", FlagFIN, true},
		{"fin,psh,urg", FlagFIN | FlagPSH | FlagURG, true},
		{"fin,psh,urg", FlagFIN | FlagPSH, false},
	}
	for _, tt := range tests {
		r, err := ParseTCPFlags(tt.rule)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Match(tt.flags); got != tt.want {
			t.Errorf("%q.Match(%#02x) = %v, want %v", tt.rule, tt.flags, got, tt.want)
		}
	}
}

func TestParseStep(t *testing.T) {
	tests := []struct {
		in      string
		want    Step
		wantErr string
	}{
		{in: "7000", want: Step{7000, ProtoTCP}},
		{in: "7000:udp", want: Step{7000, ProtoUDP}},
		{in: " 8000 : Udp ", want: Step{8000, ProtoUDP}},
		{in: "1:TCP", want: Step{1, ProtoTCP}},
		{in: "65535", want: Step{65535, ProtoTCP}},
		{in: "0", wantErr: "out of range"},
		{in: "65536", wantErr: "out of range"},
		{in: "-1", wantErr: "not a decimal"},
		{in: "abc", wantErr: "not a decimal"},
		{in: "", wantErr: "missing port"},
		{in: ":udp", wantErr: "missing port"},
		{in: "7000:icmp", wantErr: "unknown protocol"},
		{in: "7000:udp:x", wantErr: "unknown protocol"},
		{in: "+7", wantErr: "not a decimal"},
	}
	for _, tt := range tests {
		got, err := ParseStep(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseStep(%q) error = %v, want it to contain %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseStep(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseSteps(t *testing.T) {
	got, err := ParseSteps("7000:TCP, 8000 : Udp,9000")
	if err != nil {
		t.Fatal(err)
	}
	if s := FormatSteps(got); s != "7000:tcp,8000:udp,9000:tcp" {
		t.Errorf("FormatSteps = %q", s)
	}
	for _, bad := range []struct{ in, want string }{
		{"", "empty"},
		{"1,,2", "knock 2: "},
		{strings.Repeat("1,", MaxSteps) + "1", "too many"},
	} {
		if _, err := ParseSteps(bad.in); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("ParseSteps(%q) error = %v, want %q", bad.in, err, bad.want)
		}
	}
	if _, err := ParseSteps(strings.Repeat("1,", MaxSteps-1) + "1"); err != nil {
		t.Errorf("%d steps: %v", MaxSteps, err)
	}
}

func TestProtoString(t *testing.T) {
	for p, want := range map[Proto]string{ProtoTCP: "tcp", ProtoUDP: "udp", 1: "proto(1)"} {
		if p.String() != want {
			t.Errorf("%d.String() = %q", p, p.String())
		}
	}
	if s := (Port{ProtoUDP, 53}).String(); s != "53:udp" {
		t.Errorf("Port.String = %q", s)
	}
}

func FuzzParseTCPFlags(f *testing.F) {
	for _, s := range []string{"", "syn", "syn,!ack", "SYN,ACK,!fin", "syn, ack", "!", ",,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseTCPFlags(s)
		if err != nil {
			return
		}
		if r.Require&r.Forbid != 0 || (r.Require|r.Forbid)&^0x3f != 0 {
			t.Fatalf("ParseTCPFlags(%q) = %+v: overlapping or unknown bits", s, r)
		}
		// The canonical rendering must parse back to the same rule.
		r2, err := ParseTCPFlags(r.String())
		if err != nil || r2 != r {
			t.Fatalf("round trip %q -> %q -> %+v, %v", s, r.String(), r2, err)
		}
	})
}

func FuzzParseStep(f *testing.F) {
	for _, s := range []string{"7000", "7000:udp", " 1 : TCP", "0", "65536", "x:y", ":", "7000:udp:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		st, err := ParseStep(s)
		if err != nil {
			return
		}
		if st.Port == 0 || (st.Proto != ProtoTCP && st.Proto != ProtoUDP) {
			t.Fatalf("ParseStep(%q) = %+v: invalid step accepted", s, st)
		}
		st2, err := ParseStep(st.String())
		if err != nil || st2 != st {
			t.Fatalf("round trip %q -> %q -> %v, %v", s, st.String(), st2, err)
		}
	})
}

// ParsePort's errors are the one wording of a bad port (issue 10 item 13).
func TestParsePort(t *testing.T) {
	for in, want := range map[string]string{
		"1": "", "65535": "", "007": "",
		"0":                    "port 0 out of range (1-65535)",
		"65536":                "port 65536 out of range (1-65535)",
		"99999999999999999999": "port 99999999999999999999 out of range (1-65535)",
		"":                     "missing port",
		" 7":                   `port " 7" is not a decimal number`,
		"+7":                   `port "+7" is not a decimal number`,
		"-1":                   `port "-1" is not a decimal number`,
	} {
		_, err := ParsePort(in)
		if got := fmt.Sprint(err); (want == "" && err != nil) || (want != "" && got != want) {
			t.Errorf("ParsePort(%q) = %v, want %q", in, err, want)
		}
	}
}

func TestFormatStepsShort(t *testing.T) {
	steps := []Step{{7000, ProtoTCP}, {8000, ProtoUDP}, {9000, ProtoTCP}}
	if got := FormatStepsShort(steps, " "); got != "7000 8000:udp 9000" {
		t.Errorf("FormatStepsShort = %q", got)
	}
	if got := FormatSteps(steps); got != "7000:tcp,8000:udp,9000:tcp" {
		t.Errorf("FormatSteps = %q", got)
	}
	back, err := ParseSteps(FormatStepsShort(steps, ","))
	if err != nil || !slices.Equal(back, steps) {
		t.Errorf("round trip: %v, %v", back, err)
	}
}

// The TOTP length limit is the engine's sequence limit.
func TestTOTPMaxLength(t *testing.T) {
	if totp.MaxLength != MaxSteps {
		t.Errorf("totp.MaxLength %d, MaxSteps %d", totp.MaxLength, MaxSteps)
	}
}
