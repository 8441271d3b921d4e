package totp

import (
	"fmt"
	"time"
)

// Defaults and limits of a TOTP knock sequence, the one set shared by the
// daemon's config (totp_length, totp_step, totp_ports) and the knock
// client (--length, --step, --min, --max): a door configured with only a
// secret is knocked with only the secret, and neither side accepts a
// setting the other refuses.
const (
	DefaultLength  = 3
	DefaultPortMin = 10000
	DefaultPortMax = 59999
	// MaxLength is knockd's SEQ_MAX, the longest knock sequence.
	MaxLength = 32
	// MinPeriod and MaxPeriod bound the time step: below 5 s a knock
	// over a slow link straddles steps, above an hour a recorded sequence
	// stays valid for too long.
	MinPeriod = 5 * time.Second
	MaxPeriod = time.Hour
	// MinPortSpan is the fewest ports a range may hold: fewer would make
	// the derived sequence easy to guess.
	MinPortSpan = 16
)

// CheckLength validates a number of knocks: 1..MaxLength.
func CheckLength(n int) error {
	if n < 1 || n > MaxLength {
		return fmt.Errorf("TOTP length %d out of range (1-%d)", n, MaxLength)
	}
	return nil
}

// CheckPeriod validates a time step: whole seconds in MinPeriod..MaxPeriod.
func CheckPeriod(d time.Duration) error {
	if d < MinPeriod || d > MaxPeriod || d%time.Second != 0 {
		return fmt.Errorf("TOTP step %v out of range (whole seconds, %v to %v)", d, MinPeriod, MaxPeriod)
	}
	return nil
}

// CheckPorts validates a port range: 1 <= min <= max, at least
// MinPortSpan ports.
func CheckPorts(min, max uint16) error {
	if min == 0 || min > max {
		return fmt.Errorf("TOTP port range %d-%d is empty or starts at 0", min, max)
	}
	if int(max)-int(min)+1 < MinPortSpan {
		return fmt.Errorf("TOTP port range %d-%d holds fewer than %d ports", min, max, MinPortSpan)
	}
	return nil
}
