package totp

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strings"
	"time"
)

// MinSecretLen is the shortest secret accepted: RFC 4226 section 4 (R6)
// requires at least 128 bits.
const MinSecretLen = 16

// DefaultPeriod is RFC 6238's default time step X.
const DefaultPeriod = 30 * time.Second

// DecodeSecret decodes a base32 secret (RFC 4648 alphabet, any case,
// padding optional, spaces and hyphens between groups ignored, as
// authenticator apps print them). It must decode to at least MinSecretLen
// bytes.
func DecodeSecret(s string) ([]byte, error) {
	clean := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '-':
			return -1
		}
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, s)
	clean = strings.TrimRight(clean, "=")
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(clean)
	if err != nil {
		return nil, fmt.Errorf("totp secret: not base32: %w", err)
	}
	if len(b) < MinSecretLen {
		return nil, fmt.Errorf("totp secret: %d bytes, need at least %d (%d base32 characters)", len(b), MinSecretLen, (MinSecretLen*8+4)/5)
	}
	return b, nil
}

// EncodeSecret is DecodeSecret's inverse: unpadded upper-case base32.
func EncodeSecret(b []byte) string {
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// HOTP returns the RFC 4226 value of secret at counter before the decimal
// reduction: HMAC-SHA-1 over the 8-byte big-endian counter, then dynamic
// truncation to 31 bits. An RFC 4226 d-digit code is HOTP(...) % 10^d.
func HOTP(secret []byte, counter uint64) uint32 {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	m := hmac.New(sha1.New, secret)
	m.Write(msg[:])
	var sum [sha1.Size]byte
	h := m.Sum(sum[:0])
	off := h[len(h)-1] & 0x0f
	return binary.BigEndian.Uint32(h[off:off+4]) & 0x7fffffff
}

// Counter returns RFC 6238's time step number T = floor(unix(t) / period),
// with T0 = 0. Times before 1970 give 0. A period below one nanosecond is
// treated as DefaultPeriod.
func Counter(t time.Time, period time.Duration) uint64 {
	if period <= 0 {
		period = DefaultPeriod
	}
	sec := t.Unix()
	if sec < 0 {
		return 0
	}
	// 128-bit arithmetic: UnixNano overflows in 2262, and RFC 6238's
	// vectors go to the year 2603.
	hi, lo := bits.Mul64(uint64(sec), uint64(time.Second))
	lo, carry := bits.Add64(lo, uint64(t.Nanosecond()), 0)
	hi += carry
	if hi >= uint64(period) {
		return math.MaxUint64
	}
	c, _ := bits.Div64(hi, lo, uint64(period))
	return c
}

// Start returns the time at which step counter begins (its length is
// period): Start(Counter(t, p), p) <= t < Start(Counter(t, p)+1, p).
func Start(counter uint64, period time.Duration) time.Time {
	if period <= 0 {
		period = DefaultPeriod
	}
	hi, lo := bits.Mul64(counter, uint64(period))
	if hi >= uint64(time.Second) {
		return time.Unix(math.MaxInt64/2, 0).UTC()
	}
	sec, ns := bits.Div64(hi, lo, uint64(time.Second))
	if sec > math.MaxInt64/2 {
		return time.Unix(math.MaxInt64/2, 0).UTC()
	}
	return time.Unix(int64(sec), int64(ns)).UTC()
}

// MaxPorts is the most ports Ports derives for one step.
const MaxPorts = 256

// ErrRange reports an invalid n, min or max.
var ErrRange = errors.New("totp: need 1 <= n <= 256 and 1 <= min <= max")

// Ports derives the n knock ports for time step counter:
//
//	port[i] = min + HOTP(secret, counter*256 + i) mod (max - min + 1),  i = 0..n-1
//
// HOTP is RFC 4226's 31-bit value (see HOTP). Ports may repeat. It panics
// with ErrRange on invalid arguments, which callers validate beforehand
// (CheckRange).
func Ports(secret []byte, counter uint64, n int, min, max uint16) []uint16 {
	return AppendPorts(make([]uint16, 0, n), secret, counter, n, min, max)
}

// AppendPorts is Ports appending to dst.
func AppendPorts(dst []uint16, secret []byte, counter uint64, n int, min, max uint16) []uint16 {
	if err := CheckRange(n, min, max); err != nil {
		panic(err)
	}
	span := uint32(max-min) + 1
	for i := 0; i < n; i++ {
		v := HOTP(secret, counter<<8|uint64(i))
		dst = append(dst, min+uint16(v%span))
	}
	return dst
}

// CheckRange validates Ports' n, min and max.
func CheckRange(n int, min, max uint16) error {
	if n < 1 || n > MaxPorts || min < 1 || min > max {
		return fmt.Errorf("%w (got n=%d min=%d max=%d)", ErrRange, n, min, max)
	}
	return nil
}
