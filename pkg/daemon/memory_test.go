package daemon

import (
	"runtime/debug"
	"testing"
)

func TestSetMemoryLimit(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	t.Setenv("GOMEMLIMIT", "")
	for _, tt := range []struct {
		flag string
		want int64
		err  bool
	}{
		{"", defaultMemoryLimit, false},
		{"32MiB", 32 << 20, false},
		{"8388608", 8 << 20, false},
		{"5000KiB", 5000 << 10, false},
		{"1GiB", 1 << 30, false},
		{"off", -1, false},
		{"1MiB", 0, true}, // below the working set
		{"lots", 0, true},
		{"-5MiB", 0, true},
		{"9999999999GiB", 0, true},
	} {
		got, err := SetMemoryLimit(tt.flag)
		if (err != nil) != tt.err || (!tt.err && got != tt.want) {
			t.Errorf("SetMemoryLimit(%q) = %d, %v; want %d (error %v)", tt.flag, got, err, tt.want, tt.err)
			continue
		}
		if tt.err {
			continue
		}
		in := debug.SetMemoryLimit(-1)
		if (tt.want == -1 && in != 1<<63-1) || (tt.want != -1 && in != tt.want) {
			t.Errorf("SetMemoryLimit(%q): runtime limit %d", tt.flag, in)
		}
	}
	// GOMEMLIMIT set by the user (the runtime read it at start): kept.
	debug.SetMemoryLimit(20 << 20)
	t.Setenv("GOMEMLIMIT", "20MiB")
	if got, err := SetMemoryLimit(""); err != nil || got != 20<<20 || debug.SetMemoryLimit(-1) != 20<<20 {
		t.Errorf("with GOMEMLIMIT: %d, %v", got, err)
	}
}

func TestRingOption(t *testing.T) {
	for _, tt := range []struct {
		flag   string
		nilOpt bool
		err    bool
	}{
		{"", true, false},
		{"1MiB", false, false},
		{"512KiB", false, false},
		{"2097152", false, false},
		{"100KiB", false, true}, // not a multiple of 64 KiB
		{"128KiB", false, true}, // too small
		{"128MiB", false, true}, // too large
		{"big", false, true},
	} {
		opt, err := RingOption(tt.flag)
		if (err != nil) != tt.err || (!tt.err && (opt == nil) != tt.nilOpt) {
			t.Errorf("RingOption(%q) = %v, %v", tt.flag, opt != nil, err)
		}
	}
}
