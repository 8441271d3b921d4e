package client

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/uciknock/uciknock/pkg/config"
)

// testSecret is 20 bytes of base32 ("Hello!\xde\xad\xbe\xef" twice).
const testSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

func split(s string) []string { return strings.Fields(s) }

func TestParseArgsDoors(t *testing.T) {
	tcp := func(p uint16) Hit { return Hit{Port: p, Proto: TCP} }
	udp := func(p uint16) Hit { return Hit{Port: p, Proto: UDP} }
	tests := []struct {
		args string
		want Door
	}{
		{"host 7000 8000 9000", Door{Host: "host", Hits: []Hit{tcp(7000), tcp(8000), tcp(9000)}}},
		{"192.0.2.7 7000:udp 8000:TCP 9000:Udp 65535", Door{Host: "192.0.2.7", Hits: []Hit{udp(7000), tcp(8000), udp(9000), tcp(65535)}}},
		{"-u host 7000:tcp", Door{Host: "host", UDP: true, Hits: []Hit{tcp(7000)}}},
		{"--udp host 1", Door{Host: "host", UDP: true, Hits: []Hit{tcp(1)}}},
		{"-d 100 host 1", Door{Host: "host", Delay: 100 * time.Millisecond, Hits: []Hit{tcp(1)}}},
		{"-d100 host 1", Door{Host: "host", Delay: 100 * time.Millisecond, Hits: []Hit{tcp(1)}}},
		{"--delay=250 host 1", Door{Host: "host", Delay: 250 * time.Millisecond, Hits: []Hit{tcp(1)}}},
		{"--delay 0 host 1", Door{Host: "host", Hits: []Hit{tcp(1)}}},
		{"-w 0 host 1", Door{Host: "host", Wait: -1, Hits: []Hit{tcp(1)}}},
		{"--wait=150 host 1", Door{Host: "host", Wait: 150 * time.Millisecond, Hits: []Hit{tcp(1)}}},
		{"-ud5 host 1", Door{Host: "host", UDP: true, Delay: 5 * time.Millisecond, Hits: []Hit{tcp(1)}}},
		{"-4 host 1", Door{Host: "host", Family: IPv4, Hits: []Hit{tcp(1)}}},
		{"--ipv6 host 1", Door{Host: "host", Family: IPv6, Hits: []Hit{tcp(1)}}},
		{"-4 -4 host 1", Door{Host: "host", Family: IPv4, Hits: []Hit{tcp(1)}}},
		{"host 1 -v 2", Door{Host: "host", Hits: []Hit{tcp(1), tcp(2)}}},
		{"-- host 1 2", Door{Host: "host", Hits: []Hit{tcp(1), tcp(2)}}},
		{"2001:db8::1 7000", Door{Host: "2001:db8::1", Hits: []Hit{tcp(7000)}}},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			a, err := ParseArgs(split(tt.args))
			if err != nil {
				t.Fatalf("ParseArgs: %v", err)
			}
			if !reflect.DeepEqual(a.Door, tt.want) {
				t.Errorf("door = %+v, want %+v", a.Door, tt.want)
			}
			if a.DoorName != "" {
				t.Errorf("DoorName = %q, want none", a.DoorName)
			}
		})
	}
}

func TestParseArgsFlags(t *testing.T) {
	a, err := ParseArgs(split("-uv4 -c /tmp/x.conf home"))
	if err != nil {
		t.Fatal(err)
	}
	if !a.Verbose || !a.Door.UDP || a.Door.Family != IPv4 || a.ConfigPath != "/tmp/x.conf" || a.DoorName != "home" {
		t.Errorf("got %+v", a)
	}
	for _, args := range []string{"-h", "--help", "-h bad:port", "host -h"} {
		a, err := ParseArgs(split(args))
		if err != nil || !a.Help {
			t.Errorf("%q: help=%v err=%v", args, a != nil && a.Help, err)
		}
	}
	for _, args := range []string{"-V", "--version"} {
		a, err := ParseArgs(split(args))
		if err != nil || !a.Version {
			t.Errorf("%q: version=%v err=%v", args, a != nil && a.Version, err)
		}
	}
}

func TestParseArgsTOTP(t *testing.T) {
	a, err := ParseArgs(split("--totp " + testSecret + " router.example.org"))
	if err != nil {
		t.Fatal(err)
	}
	// The defaults are the daemon's: `--totp SECRET` knocks what a door
	// with only `totp_secret` expects.
	got := a.Door.TOTP
	if got == nil || got.Length != config.DefaultTOTPLength || got.Period != config.DefaultTOTPStep ||
		got.Min != config.DefaultTOTPPortMin || got.Max != config.DefaultTOTPPortMax || got.Proto != TCP ||
		len(got.Secret) != 20 || a.Door.Host != "router.example.org" {
		t.Fatalf("defaults: %+v host %q", got, a.Door.Host)
	}
	a, err = ParseArgs(split("--totp=" + strings.ToLower(testSecret) + " -n 5 --step 1m --min 2000 --max=3000 -u host"))
	if err != nil {
		t.Fatal(err)
	}
	got = a.Door.TOTP
	if got.Length != 5 || got.Period != time.Minute || got.Min != 2000 || got.Max != 3000 || !a.Door.UDP {
		t.Fatalf("options: %+v", got)
	}
	a, err = ParseArgs(split("--totp " + testSecret + " --step 45 host"))
	if err != nil || a.Door.TOTP.Period != 45*time.Second {
		t.Fatalf("--step 45: %+v %v", a, err)
	}
	// An empty value counts as not given: the last --step= brings back
	// the default.
	a, err = ParseArgs(split("--totp " + testSecret + " --step 1m --step= --length= host"))
	if err != nil || a.Door.TOTP.Period != config.DefaultTOTPStep || a.Door.TOTP.Length != config.DefaultTOTPLength {
		t.Fatalf("--step 1m --step= --length=: %+v %v", a, err)
	}
}

func TestParseArgsErrors(t *testing.T) {
	many := "host" + strings.Repeat(" 7000", MaxHits+1)
	tests := []struct {
		args string
		want string
	}{
		{"", "missing host and ports"},
		{"-v", "missing host and ports"},
		{"--frobnicate host 1", "unknown option --frobnicate"},
		{"-x host 1", "unknown option -x"},
		{"-ux host 1", "unknown option -x"},
		{"--udp=yes host 1", "option --udp takes no value"},
		{"host 1 --delay", "option --delay needs a value"},
		{"host 1 -d", "option -d needs a value"},
		{"-4 -6 host 1", "-4 and -6 exclude each other"},
		{"-d abc host 1", `delay "abc" is not a whole number`},
		{"-d -5 host 1", "delay cannot be negative"},
		{"-d 1.5 host 1", `delay "1.5" is not a whole number`},
		{"-d 3600001 host 1", "delay 3600001 ms is more than 3600000 ms"},
		{"-w soon host 1", `--wait: wait "soon" is not a whole number`},
		{"--wait -1 host 1", "wait cannot be negative"},
		{"--config= home", "--config: empty file name"},
		{"host:22", `missing ports after host "host:22"`},
		{"host 0", "port 0 out of range (1-65535)"},
		{"host 70000", "port 70000 out of range (1-65535)"},
		{"host 99999999999999999999", "out of range"},
		{"host abc", `port "abc" is not a decimal number`},
		{"host -- -1", `port "-1" is not a decimal number`},
		{"host 7000:icmp", `unknown protocol "icmp"`},
		{"host 7000:", "empty protocol (want tcp or udp)"},
		{"host :udp", "missing port"},
		{many, "33 knocks is more than the daemon accepts (32)"},
		{"-- -host 1", `host "-host" starts with '-'`},
		{"--totp host", "--totp: totp secret"},
		{"--totp JBSWY3DP host", "need at least 16"},
		{"--totp !!!!!!!!!!!!!!!!!!!!!!!!!!!! host", "not base32"},
		{"--totp " + testSecret, "missing host"},
		{"--totp " + testSecret + " host 7000", `--totp computes the ports: give only the host, not "7000"`},
		{"-n 3 host 1", "--length, --step, --min and --max need --totp"},
		{"--min 1000 host", "need --totp"},
		{"--totp " + testSecret + " -n x host", `--length "x" is not a number`},
		{"--totp " + testSecret + " -n 0 host", "TOTP length 0 out of range (1-32)"},
		{"--totp " + testSecret + " -n 33 host", "TOTP length 33 out of range (1-32)"},
		{"--totp " + testSecret + " --step 0 host", "TOTP step 0s out of range (whole seconds, 5s to 1h0m0s)"},
		{"--totp " + testSecret + " --step 90000 host", "TOTP step 25h0m0s out of range"},
		{"--totp " + testSecret + " --step abc host", `step "abc" is neither seconds nor a duration`},
		{"--totp " + testSecret + " --step 1500ms host", "TOTP step 1.5s out of range"},
		{"--totp " + testSecret + " --min 0 host", "--min: port 0 out of range (1-65535)"},
		{"--totp " + testSecret + " --max 65536 host", "--max: port 65536 out of range (1-65535)"},
		{"--totp " + testSecret + " --min 60000 --max 50000 host", "TOTP port range 60000-50000 is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			a, err := ParseArgs(split(tt.args))
			if err == nil {
				t.Fatalf("no error; got %+v", a)
			}
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Errorf("error %T is not a *UsageError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestApply(t *testing.T) {
	conf := Door{Name: "home", Host: "h", Hits: []Hit{{Port: 7000, Proto: TCP}}, Delay: time.Second, Family: IPv6}
	a, err := ParseArgs(split("home"))
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Apply(conf); !reflect.DeepEqual(got, conf) {
		t.Errorf("no flags: %+v, want %+v", got, conf)
	}
	a, err = ParseArgs(split("-u -d 0 -4 home"))
	if err != nil {
		t.Fatal(err)
	}
	got := a.Apply(conf)
	if !got.UDP || got.Delay != 0 || got.Family != IPv4 || got.Host != "h" || got.Name != "home" {
		t.Errorf("flags: %+v", got)
	}
}

func TestParseHits(t *testing.T) {
	got, err := ParseHits("7000,8000:udp,9000:tcp")
	want := []Hit{{Port: 7000, Proto: TCP}, {Port: 8000, Proto: UDP}, {Port: 9000, Proto: TCP}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v %v, want %v", got, err, want)
	}
	for _, s := range []string{"", "7000,,8000", "7000,", "7000;8000", "7000 8000"} {
		if _, err := ParseHits(s); err == nil {
			t.Errorf("ParseHits(%q): no error", s)
		}
	}
	// Blanks around an item are trimmed, as in the daemon's config (one
	// grammar: knock.ParseStep).
	if got, err := ParseHits(" 7000, 8000 : udp"); err != nil || !reflect.DeepEqual(got, want[:2]) {
		t.Errorf("ParseHits with blanks = %v, %v", got, err)
	}
	if s := (Hit{Port: 8000, Proto: UDP}).String(); s != "8000:udp" {
		t.Errorf("String = %q", s)
	}
	if s := Proto(1).String(); s != "proto(1)" {
		t.Errorf("String = %q", s)
	}
}
