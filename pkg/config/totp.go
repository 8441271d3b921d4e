package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uciknock/uciknock/pkg/knock"
	"github.com/uciknock/uciknock/pkg/totp"
)

func parseTOTP(r *section, s *Sequence) {
	secret, ok := r.scalar("totp_secret")
	if !ok {
		for _, o := range []string{"totp_length", "totp_step", "totp_ports", "totp_proto"} {
			if r.has(o) {
				r.errorf(o, "set without totp_secret")
			}
		}
		return
	}
	t := &knock.TOTP{Length: DefaultTOTPLength, Period: DefaultTOTPStep, Min: DefaultTOTPPortMin, Max: DefaultTOTPPortMax, Proto: knock.ProtoTCP}
	// totp.DecodeSecret never echoes the secret in its errors.
	b, err := totp.DecodeSecret(secret)
	if err != nil {
		r.errorf("totp_secret", "%v", err)
	}
	t.Secret = b
	if v, ok := r.scalar("totp_length"); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			r.errorf("totp_length", "%q is not a number", v)
		} else if err := totp.CheckLength(n); err != nil {
			r.errorf("totp_length", "%v", err)
		} else {
			t.Length = n
		}
	}
	t.Period = r.duration("totp_step", time.Second, DefaultTOTPStep, totp.MinPeriod, totp.MaxPeriod)
	if v, ok := r.scalar("totp_ports"); ok {
		lo, hi, err := parsePortRange(v)
		if err != nil {
			r.errorf("totp_ports", "%v", err)
		} else {
			t.Min, t.Max = lo, hi
		}
	}
	if v, ok := r.scalar("totp_proto"); ok {
		p, err := knock.ParseProto(v)
		if err != nil {
			r.errorf("totp_proto", "%v", err)
		} else {
			t.Proto = p
		}
	}
	if err := totp.CheckRange(t.Length, t.Min, t.Max); err != nil {
		r.errorf("totp_ports", "%v", err)
	}
	s.TOTP = t
}

// parsePortRange reads "min-max". Fewer than 16 ports would make the
// derived sequence easy to guess, so such a range is refused.
func parsePortRange(v string) (uint16, uint16, error) {
	a, b, ok := strings.Cut(v, "-")
	if !ok {
		return 0, 0, fmt.Errorf("%q is not a port range (min-max)", v)
	}
	lo, err := knock.ParsePort(a)
	if err != nil {
		return 0, 0, err
	}
	hi, err := knock.ParsePort(b)
	if err != nil {
		return 0, 0, err
	}
	if err := totp.CheckPorts(lo, hi); err != nil {
		return 0, 0, err
	}
	return lo, hi, nil
}
