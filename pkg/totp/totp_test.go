package totp

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

var rfcSecret = []byte("12345678901234567890")

// RFC 4226 Appendix D: the truncated 31-bit values for counters 0..9.
func TestHOTPRFC4226(t *testing.T) {
	want := []uint32{1284755224, 1094287082, 137359152, 1726969429, 1640338314,
		868254676, 1918287922, 82162583, 673399871, 645520489}
	for c, w := range want {
		if got := HOTP(rfcSecret, uint64(c)); got != w {
			t.Errorf("HOTP(counter %d) = %d, want %d", c, got, w)
		}
	}
}

// RFC 6238 Appendix B, SHA-1 rows: 8-digit TOTP = HOTP(Counter) % 10^8.
func TestTOTPRFC6238(t *testing.T) {
	tests := []struct {
		unix    int64
		counter uint64
		code    uint32
	}{
		{59, 0x1, 94287082},
		{1111111109, 0x23523EC, 7081804},
		{1111111111, 0x23523ED, 14050471},
		{1234567890, 0x273EF07, 89005924},
		{2000000000, 0x3F940AA, 69279037},
		{20000000000, 0x27BC86AA, 65353130},
	}
	for _, tt := range tests {
		c := Counter(time.Unix(tt.unix, 0), 30*time.Second)
		if c != tt.counter {
			t.Errorf("Counter(%d) = %#x, want %#x", tt.unix, c, tt.counter)
		}
		if got := HOTP(rfcSecret, c) % 100000000; got != tt.code {
			t.Errorf("TOTP(%d) = %08d, want %08d", tt.unix, got, tt.code)
		}
	}
}

func TestCounterStart(t *testing.T) {
	p := 30 * time.Second
	for _, unix := range []int64{0, 29, 30, 59, 1700000000, 1700000015} {
		tm := time.Unix(unix, 500)
		c := Counter(tm, p)
		if s := Start(c, p); s.After(tm) || !Start(c+1, p).After(tm) {
			t.Errorf("t=%d: Start(%d)=%v, Start(+1)=%v do not bracket it", unix, c, s, Start(c+1, p))
		}
	}
	if Counter(time.Unix(-100, 0), p) != 0 {
		t.Error("Counter before 1970 is not 0")
	}
	if Counter(time.Unix(60, 0), 0) != 2 {
		t.Error("zero period is not DefaultPeriod")
	}
}

// The vectors were computed by the Python snippet in doc.go, an
// implementation independent of this package.
func TestPortsVectors(t *testing.T) {
	tests := []struct {
		counter  uint64
		n        int
		min, max uint16
		want     []uint16
	}{
		{1, 4, 40000, 49999, []uint16{40188, 45112, 42047, 41438}},
		{0x23523EC, 4, 40000, 49999, []uint16{46438, 46555, 43541, 44697}},
		{59, 3, 1, 65535, []uint16{37113, 52584, 4651}},
		{7, 5, 7000, 7000, []uint16{7000, 7000, 7000, 7000, 7000}},
	}
	for _, tt := range tests {
		got := Ports(rfcSecret, tt.counter, tt.n, tt.min, tt.max)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Ports(counter %#x, %d, %d-%d) = %v, want %v", tt.counter, tt.n, tt.min, tt.max, got, tt.want)
		}
	}
}

func TestPortsRange(t *testing.T) {
	for c := uint64(0); c < 200; c++ {
		for _, p := range Ports(rfcSecret, c, 8, 1000, 1010) {
			if p < 1000 || p > 1010 {
				t.Fatalf("counter %d: port %d outside 1000-1010", c, p)
			}
		}
	}
	for _, bad := range []struct {
		n        int
		min, max uint16
	}{{0, 1, 2}, {257, 1, 2}, {3, 0, 10}, {3, 10, 9}} {
		if err := CheckRange(bad.n, bad.min, bad.max); !errors.Is(err, ErrRange) {
			t.Errorf("CheckRange(%v) = %v", bad, err)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Ports with n=0 did not panic")
		}
	}()
	Ports(rfcSecret, 1, 0, 1, 2)
}

func TestDecodeSecret(t *testing.T) {
	raw := []byte("12345678901234567890")
	enc := EncodeSecret(raw) // GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
	tests := []struct {
		in      string
		want    []byte
		wantErr string
	}{
		{in: enc, want: raw},
		{in: strings.ToLower(enc), want: raw},
		{in: "gezd gnbv gy3t qojq-gezd gnbv gy3t qojq", want: raw},
		{in: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", want: []byte("Hello!\xde\xad\xbe\xefHello!\xde\xad\xbe\xef")},
		{in: EncodeSecret(raw[:17]) + "=", want: raw[:17]},
		{in: "GEZDGNBVGY3TQOJQ", wantErr: "need at least 16"},
		{in: "", wantErr: "need at least 16"},
		{in: "GEZDGNBVGY3TQOJQ1!", wantErr: "not base32"},
	}
	for _, tt := range tests {
		got, err := DecodeSecret(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("DecodeSecret(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("DecodeSecret(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func FuzzDecodeSecret(f *testing.F) {
	for _, s := range []string{"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "gezd gnbv", "====", "A", "JBSWY3DPEHPK3PXP="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := DecodeSecret(s)
		if err != nil {
			return
		}
		if len(b) < MinSecretLen {
			t.Fatalf("DecodeSecret(%q) accepted %d bytes", s, len(b))
		}
		b2, err := DecodeSecret(EncodeSecret(b))
		if err != nil || !reflect.DeepEqual(b, b2) {
			t.Fatalf("round trip of %q failed: %v", s, err)
		}
	})
}

func BenchmarkPorts(b *testing.B) {
	b.ReportAllocs()
	dst := make([]uint16, 0, 3)
	for i := 0; i < b.N; i++ {
		dst = AppendPorts(dst[:0], rfcSecret, uint64(i), 3, 1024, 65535)
	}
}
