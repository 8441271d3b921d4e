package knock

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// The documented memory figures depend on the entry layout.
func TestProbationEntrySize(t *testing.T) {
	if n := unsafe.Sizeof(probEntry{}); n+4 != probationSlotBytes {
		t.Errorf("probation entry is %d bytes, probationSlotBytes says %d+4", n, probationSlotBytes-4)
	}
}

const ms = time.Millisecond

// A is the usual legitimate client.
const A = "192.0.2.7"

func TestRules(t *testing.T) {
	s3 := func(t *testing.T) []Sequence { return []Sequence{seq(t, "s", "7000,8000,9000")} }
	tests := []struct {
		name   string
		seqs   func(t *testing.T) []Sequence
		script []kn
		want   []string
	}{
		{"complete", s3, []kn{{0, A, "7000", 0, ""}, {ms, A, "8000", 0, ""}, {2 * ms, A, "9000", 0, ""}}, []string{"s@" + A}},
		{"order matters", s3, []kn{{0, A, "7000", 0, ""}, {ms, A, "9000", 0, ""}, {2 * ms, A, "8000", 0, ""}}, nil},
		{"udp knock is not a tcp step, and ignored", s3, []kn{{0, A, "7000", 0, ""}, {ms, A, "8000:udp", 0, ""}, {2 * ms, A, "8000", 0, ""}, {3 * ms, A, "9000", 0, ""}}, []string{"s@" + A}},
		{"mixed protocols", func(t *testing.T) []Sequence { return []Sequence{seq(t, "m", "7000:udp,8000,7000")} },
			[]kn{{0, A, "7000:udp", 0, ""}, {ms, A, "8000", 0, ""}, {2 * ms, A, "7000", 0, ""}}, []string{"m@" + A}},
		{"wrong port of the sequence resets", s3,
			[]kn{{0, A, "7000", 0, ""}, {ms, A, "9000", 0, ""}, {2 * ms, A, "8000", 0, ""}, {3 * ms, A, "9000", 0, ""}}, nil},
		{"duplicate middle knock resets (knockd)", s3,
			[]kn{{0, A, "7000", 0, ""}, {ms, A, "8000", 0, ""}, {2 * ms, A, "8000", 0, ""}, {3 * ms, A, "9000", 0, ""}}, nil},
		{"a wrong knock that is the first step restarts at step 1", s3,
			[]kn{{0, A, "7000", 0, ""}, {ms, A, "8000", 0, ""}, {2 * ms, A, "7000", 0, ""}, {3 * ms, A, "8000", 0, ""}, {4 * ms, A, "9000", 0, ""}}, []string{"s@" + A}},
		{"repeated first knock restarts", s3,
			[]kn{{0, A, "7000", 0, ""}, {ms, A, "7000", 0, ""}, {2 * ms, A, "8000", 0, ""}, {3 * ms, A, "9000", 0, ""}}, []string{"s@" + A}},
		{"tolerated repeat (opt-in)", func(t *testing.T) []Sequence {
			s := seq(t, "s", "7000,8000,9000")
			s.TolerateRepeat = true
			return []Sequence{s}
		}, []kn{{0, A, "7000", 0, ""}, {ms, A, "7000", 0, ""}, {2 * ms, A, "8000", 0, ""}, {3 * ms, A, "8000", 0, ""}, {4 * ms, A, "9000", 0, ""},
			{5 * ms, A, "7000", 0, ""}, {6 * ms, A, "8000", 0, ""}, {7 * ms, A, "7000", 0, ""}, {8 * ms, A, "9000", 0, ""}},
			[]string{"s@" + A}},
		{"completed attempt starts over", s3,
			[]kn{{0, A, "7000", 0, ""}, {ms, A, "8000", 0, ""}, {2 * ms, A, "9000", 0, ""}, {3 * ms, A, "9000", 0, ""},
				{4 * ms, A, "7000", 0, ""}, {5 * ms, A, "8000", 0, ""}, {6 * ms, A, "9000", 0, ""}}, []string{"s@" + A, "s@" + A}},
		{"timeout counts from the first knock", s3,
			[]kn{{0, A, "7000", 0, ""}, {20 * time.Second, A, "8000", 0, ""}, {25 * time.Second, A, "9000", 0, ""}}, nil},
		{"just inside the timeout", s3,
			[]kn{{0, A, "7000", 0, ""}, {20 * time.Second, A, "8000", 0, ""}, {25*time.Second - 1, A, "9000", 0, ""}}, []string{"s@" + A}},
		{"timed-out attempt restarts on a first knock", s3,
			[]kn{{0, A, "7000", 0, ""}, {30 * time.Second, A, "7000", 0, ""}, {31 * time.Second, A, "8000", 0, ""}, {32 * time.Second, A, "9000", 0, ""}}, []string{"s@" + A}},
		{"custom timeout", func(t *testing.T) []Sequence {
			s := seq(t, "s", "7000,8000")
			s.Timeout = 100 * ms
			return []Sequence{s}
		}, []kn{{0, A, "7000", 0, ""}, {100 * ms, A, "8000", 0, ""}, {200 * ms, A, "7000", 0, ""}, {299 * ms, A, "8000", 0, ""}}, []string{"s@" + A}},
		{"clock stepped back drops the attempt", s3,
			[]kn{{10 * time.Second, A, "7000", 0, ""}, {5 * time.Second, A, "8000", 0, ""}, {11 * time.Second, A, "9000", 0, ""}}, nil},
		{"other sequences' ports do not reset", func(t *testing.T) []Sequence {
			return []Sequence{seq(t, "a", "7000,8000,9000"), seq(t, "b", "5000,5001")}
		}, []kn{{0, A, "7000", 0, ""}, {ms, A, "5000", 0, ""}, {2 * ms, A, "8000", 0, ""}, {3 * ms, A, "9000", 0, ""}, {4 * ms, A, "5001", 0, ""}},
			[]string{"a@" + A, "b@" + A}},
		{"shared prefix, second listed", func(t *testing.T) []Sequence {
			return []Sequence{seq(t, "x", "7000,9000,8000"), seq(t, "y", "7000,8000,9000")}
		}, []kn{{0, A, "7000", 0, ""}, {ms, A, "8000", 0, ""}, {2 * ms, A, "9000", 0, ""}}, []string{"y@" + A}},
		{"shared prefix, first listed", func(t *testing.T) []Sequence {
			return []Sequence{seq(t, "x", "7000,9000,8000"), seq(t, "y", "7000,8000,9000")}
		}, []kn{{0, A, "7000", 0, ""}, {ms, A, "9000", 0, ""}, {2 * ms, A, "8000", 0, ""}}, []string{"x@" + A}},
		{"longer sequence extends a shorter one", func(t *testing.T) []Sequence {
			return []Sequence{seq(t, "short", "7000,8000"), seq(t, "long", "7000,8000,9000")}
		}, []kn{{0, A, "7000", 0, ""}, {ms, A, "8000", 0, ""}, {2 * ms, A, "9000", 0, ""}}, []string{"short@" + A, "long@" + A}},
		{"single-port sequence", func(t *testing.T) []Sequence { return []Sequence{seq(t, "one", "7000:udp")} },
			[]kn{{0, A, "7000:udp", 0, ""}, {ms, A, "7000:udp", 0, ""}}, []string{"one@" + A, "one@" + A}},
		{"repeated ports", func(t *testing.T) []Sequence { return []Sequence{seq(t, "r", "7000,7000,8000")} },
			[]kn{{0, A, "7000", 0, ""}, {ms, A, "7000", 0, ""}, {2 * ms, A, "8000", 0, ""}}, []string{"r@" + A}},
		{"IPv6 and v4-mapped sources", s3,
			[]kn{{0, "2001:db8::7", "7000", 0, ""}, {0, "::ffff:192.0.2.8", "7000", 0, ""}, {ms, "2001:db8::7", "8000", 0, ""},
				{ms, "192.0.2.8", "8000", 0, ""}, {2 * ms, "2001:db8::7", "9000", 0, ""}, {2 * ms, "::ffff:192.0.2.8", "9000", 0, ""}},
			[]string{"s@2001:db8::7", "s@::ffff:192.0.2.8"}},
		{"two interleaved sources do not disturb each other", s3,
			[]kn{{0, A, "7000", 0, ""}, {0, "192.0.2.8", "7000", 0, ""}, {ms, "192.0.2.8", "9000", 0, ""}, {ms, A, "8000", 0, ""},
				{2 * ms, A, "9000", 0, ""}, {3 * ms, "192.0.2.8", "7000", 0, ""}, {4 * ms, "192.0.2.8", "8000", 0, ""}, {5 * ms, "192.0.2.8", "9000", 0, ""}},
			[]string{"s@" + A, "s@192.0.2.8"}},
		{"target address", func(t *testing.T) []Sequence {
			s := seq(t, "s", "7000,8000")
			s.Target = mustAddr("192.0.2.1")
			return []Sequence{s}
		}, []kn{{0, A, "7000", 0, "198.51.100.1"}, {ms, A, "8000", 0, ""}, {2 * ms, A, "7000", 0, ""}, {3 * ms, A, "8000", 0, "198.51.100.1"}, {4 * ms, A, "8000", 0, ""}},
			[]string{"s@" + A}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := mustNew(t, Config{Sequences: tt.seqs(t), Capacity: 8, FirstCapacity: 8})
			if got := run(t, e, tt.script); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("events = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTCPFlags(t *testing.T) {
	const (
		syn    = FlagSYN
		synack = FlagSYN | FlagACK
		ack    = FlagACK
		rst    = FlagRST | FlagACK
	)
	tests := []struct {
		name   string
		rule   string
		script []kn
		want   int
	}{
		{"no rule: any segment knocks", "", []kn{{0, A, "7000", ack, ""}, {ms, A, "8000", rst, ""}, {2 * ms, A, "9000", FlagFIN, ""}}, 1},
		{"no rule: an ACK to a sequence port resets (knockd #25)", "", []kn{{0, A, "7000", syn, ""}, {ms, A, "7000", ack, ""}, {2 * ms, A, "9000", syn, ""}}, 0},
		{"syn: SYN+ACK matches too (subset)", "syn", []kn{{0, A, "7000", synack, ""}, {ms, A, "8000", syn, ""}, {2 * ms, A, "9000", syn | 0xc0, ""}}, 1},
		{"syn,!ack: a mismatch is ignored, not a reset", "syn,!ack",
			[]kn{{0, A, "7000", syn, ""}, {ms, A, "9000", synack, ""}, {2 * ms, A, "8000", syn, ""}, {3 * ms, A, "7000", rst, ""}, {4 * ms, A, "9000", syn, ""}}, 1},
		{"a mismatch does not start an attempt", "syn,!ack", []kn{{0, A, "7000", synack, ""}, {ms, A, "8000", syn, ""}, {2 * ms, A, "9000", syn, ""}}, 0},
		{"fin,urg,psh (xmas)", "fin,urg,psh", []kn{{0, A, "7000", FlagFIN | FlagURG | FlagPSH, ""}, {ms, A, "8000", 0x3f, ""}, {2 * ms, A, "9000", FlagFIN | FlagURG | FlagPSH, ""}}, 1},
		{"!rst", "!rst", []kn{{0, A, "7000", ack, ""}, {ms, A, "8000", rst, ""}, {2 * ms, A, "8000", FlagPSH, ""}, {3 * ms, A, "9000", FlagFIN, ""}}, 1},
		{"udp steps ignore flags", "syn", []kn{{0, A, "7000", syn, ""}, {ms, A, "8000:udp", 0, ""}, {2 * ms, A, "9000", syn, ""}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rule, err := ParseTCPFlags(tt.rule)
			if err != nil {
				t.Fatal(err)
			}
			steps := "7000,8000,9000"
			if strings.Contains(tt.name, "udp") {
				steps = "7000,8000:udp,9000"
			}
			s := seq(t, "s", steps)
			s.Flags = rule
			e := mustNew(t, Config{Sequences: []Sequence{s}, Capacity: 4, FirstCapacity: 4})
			if got := run(t, e, tt.script); len(got) != tt.want {
				t.Errorf("events = %v, want %d", got, tt.want)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	ok := Sequence{Name: "ok", Steps: []Step{{7000, ProtoTCP}}}
	secret := []byte("0123456789abcdef")
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no sequences", Config{}, "no sequences"},
		{"empty sequence", Config{Sequences: []Sequence{{Name: "e"}}}, `sequence 1 ("e"): set exactly one`},
		{"two kinds", Config{Sequences: []Sequence{ok, {Name: "b", Steps: ok.Steps, TOTP: &TOTP{}}}}, `sequence 2 ("b"): set exactly one`},
		{"port 0", Config{Sequences: []Sequence{{Name: "z", Steps: []Step{{0, ProtoTCP}}}}}, "knock 1: invalid"},
		{"bad proto", Config{Sequences: []Sequence{{Name: "p", Steps: []Step{{1, 1}}}}}, "knock 1: invalid"},
		{"too long", Config{Sequences: []Sequence{{Name: "l", Steps: make([]Step, MaxSteps+1)}}}, "need 1 to 32"},
		{"negative timeout", Config{Sequences: []Sequence{{Name: "n", Steps: ok.Steps, Timeout: -1}}}, "negative timeout"},
		{"one-time without store", Config{Sequences: []Sequence{{Name: "o", OneTime: [][]Step{ok.Steps}}}}, "Consumed store"},
		{"bad one-time", Config{Sequences: []Sequence{{Name: "o", OneTime: [][]Step{ok.Steps, nil}, Consumed: &MemoryConsumed{}}}}, "one-time sequence 2"},
		{"short secret", Config{Sequences: []Sequence{{Name: "t", TOTP: &TOTP{Secret: secret[:8], Min: 1, Max: 2}}}}, "secret of 8 bytes"},
		{"bad range", Config{Sequences: []Sequence{{Name: "t", TOTP: &TOTP{Secret: secret, Min: 10, Max: 2}}}}, "ports 10-2"},
		{"short period", Config{Sequences: []Sequence{{Name: "t", TOTP: &TOTP{Secret: secret, Min: 1, Max: 2, Period: ms}}}}, "shorter than 1s"},
		{"totp proto", Config{Sequences: []Sequence{{Name: "t", TOTP: &TOTP{Secret: secret, Min: 1, Max: 2, Proto: 1}}}}, "not tcp or udp"},
		{"totp length", Config{Sequences: []Sequence{{Name: "t", TOTP: &TOTP{Secret: secret, Min: 1, Max: 2, Length: MaxSteps + 1}}}}, "TOTP length 33 out of range (1-32)"},
		{"negative totp length", Config{Sequences: []Sequence{{Name: "t", TOTP: &TOTP{Secret: secret, Min: 1, Max: 2, Length: -1}}}}, "TOTP length -1 out of range"},
		{"capacity", Config{Sequences: []Sequence{ok}, Capacity: -1}, "capacities"},
		{"table size", Config{Sequences: []Sequence{ok}, Capacity: 1 << 24}, "tables would take"},
		{"bad consumed record", Config{Sequences: []Sequence{{Name: "t", TOTP: &TOTP{Secret: secret, Min: 1, Max: 2},
			Consumed: &MemoryConsumed{keys: []string{"7000:tcp"}}}}}, `"7000:tcp" is not a totp:N record`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestIgnoredKnocks(t *testing.T) {
	e := mustNew(t, Config{Sequences: []Sequence{seq(t, "s", "7000")}, Capacity: 2, FirstCapacity: 2})
	for _, k := range []Knock{
		{Src: mustAddr(A), Proto: 1, Port: 7000, Time: t0},                  // ICMP
		{Proto: ProtoTCP, Port: 7000, TCPFlags: FlagSYN, Time: t0},          // no source
		{Src: mustAddr(A), Proto: ProtoTCP, Port: 7001, Time: t0},           // no sequence port
		{Src: mustAddr(A), Proto: ProtoUDP, Port: 7000, Time: t0},           // wrong protocol
		{Src: mustAddr("fe80::1%eth0"), Proto: ProtoUDP, Port: 1, Time: t0}, // zone, other port
	} {
		if out := e.Handle(k, nil); len(out) != 0 {
			t.Errorf("Handle(%+v) = %v, want nothing", k, out)
		}
	}
	if s := e.Stats(); s.First != 0 || s.Tracked != 0 {
		t.Errorf("ignored knocks left state: %+v", s)
	}
}
