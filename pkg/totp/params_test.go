package totp

import (
	"fmt"
	"testing"
	"time"
)

func TestChecks(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{CheckLength(1), ""}, {CheckLength(MaxLength), ""},
		{CheckLength(0), "TOTP length 0 out of range (1-32)"},
		{CheckLength(33), "TOTP length 33 out of range (1-32)"},
		{CheckPeriod(5 * time.Second), ""}, {CheckPeriod(time.Hour), ""},
		{CheckPeriod(4 * time.Second), "TOTP step 4s out of range (whole seconds, 5s to 1h0m0s)"},
		{CheckPeriod(6 * time.Second), ""},
		{CheckPeriod(5500 * time.Millisecond), "TOTP step 5.5s out of range (whole seconds, 5s to 1h0m0s)"},
		{CheckPeriod(time.Hour + time.Second), "TOTP step 1h0m1s out of range (whole seconds, 5s to 1h0m0s)"},
		{CheckPorts(1, 16), ""}, {CheckPorts(DefaultPortMin, DefaultPortMax), ""},
		{CheckPorts(0, 100), "TOTP port range 0-100 is empty or starts at 0"},
		{CheckPorts(60000, 50000), "TOTP port range 60000-50000 is empty or starts at 0"},
		{CheckPorts(1000, 1014), "TOTP port range 1000-1014 holds fewer than 16 ports"},
	}
	for i, tt := range tests {
		if got := fmt.Sprint(tt.err); (tt.want == "" && tt.err != nil) || (tt.want != "" && got != tt.want) {
			t.Errorf("case %d: %v, want %q", i, tt.err, tt.want)
		}
	}
}
