package config

import (
	"encoding/base32"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uciknock/uciknock/pkg/knock"
)

// minSecretBytes is RFC 4226's minimum shared-secret length (128 bits).
const minSecretBytes = 16

// decodeSecret reads a base32 secret as authenticator apps show it:
// case-insensitive, blanks ignored, padding optional.
func decodeSecret(s string) ([]byte, error) {
	s = strings.ToUpper(strings.Join(strings.Fields(s), ""))
	s = strings.TrimRight(s, "=")
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("not base32 (RFC 4648: A-Z, 2-7)")
	}
	if len(b) < minSecretBytes {
		return nil, fmt.Errorf("%d bytes is too short: at least %d bytes (%d base32 characters) are needed", len(b), minSecretBytes, (minSecretBytes*8+4)/5)
	}
	return b, nil
}

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
	b, err := decodeSecret(secret)
	if err != nil {
		// The secret itself is never echoed into logs.
		r.errorf("totp_secret", "%v", err)
	}
	t.Secret = b
	if v, ok := r.scalar("totp_length"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > knock.MaxSteps {
			r.errorf("totp_length", "%q is not a number of knocks in 1..%d", v, knock.MaxSteps)
		} else {
			t.Length = n
		}
	}
	t.Period = r.duration("totp_step", time.Second, DefaultTOTPStep, 5*time.Second, time.Hour)
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
	s.TOTP = t
}

// parsePortRange reads "min-max". Fewer than 16 ports would make the
// derived sequence easy to guess, so such a range is refused.
func parsePortRange(v string) (uint16, uint16, error) {
	a, b, ok := strings.Cut(v, "-")
	if !ok {
		return 0, 0, fmt.Errorf("%q is not a port range (min-max)", v)
	}
	lo, err := parsePort(a)
	if err != nil {
		return 0, 0, err
	}
	hi, err := parsePort(b)
	if err != nil {
		return 0, 0, err
	}
	if int(hi)-int(lo)+1 < 16 {
		return 0, 0, fmt.Errorf("%q holds fewer than 16 ports", v)
	}
	return lo, hi, nil
}
