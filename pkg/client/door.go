package client

import (
	"fmt"
	"time"

	"github.com/uciknock/uciknock/pkg/knock"
	"github.com/uciknock/uciknock/pkg/totp"
)

// Limits on what a door may ask for. They catch typos (a delay in
// microseconds, a 300-knock sequence) rather than protect anything. TOTP
// defaults and limits are the daemon's own, from pkg/totp.
const (
	MaxHits  = knock.MaxSteps // knockd's SEQ_MAX; the daemon refuses longer sequences
	MaxDelay = time.Hour      // one pause between knocks

	// DefaultWait is the pause after the last knock. The daemon opens a
	// door in the kernel a few milliseconds after it sees the last knock;
	// without the pause, the command run right after uciknock (`uciknock
	// host … && ssh host`) can send its first SYN before that and, where
	// the zone rejects, get a reset. It is well below a person's notice.
	DefaultWait = 20 * time.Millisecond
)

// Family restricts which address family the host name resolves to.
type Family uint8

// Address families, as knock's -4 and -6 select them.
const (
	AnyFamily Family = iota // the resolver's first answer, IPv4 or IPv6
	IPv4
	IPv6
)

// String returns "any", "ipv4" or "ipv6".
func (f Family) String() string {
	switch f {
	case IPv4:
		return "ipv4"
	case IPv6:
		return "ipv6"
	}
	return "any"
}

// network returns the network name net.Resolver.LookupNetIP takes.
func (f Family) network() string {
	switch f {
	case IPv4:
		return "ip4"
	case IPv6:
		return "ip6"
	}
	return "ip"
}

// TOTP describes a time-based sequence: the engine's own type (Period is
// the time step, Min..Max the port range), so the client derives exactly
// the ports the daemon accepts.
type TOTP = knock.TOTP

// Door is everything needed to knock once: where, which knocks, and how.
// It comes from the command line or from a `door` line of a client config.
type Door struct {
	// Name is the door's name in the client config; empty on the command line.
	Name string
	// Host is a host name or an IP literal (IPv6 with an optional %zone).
	Host string
	// Hits is the fixed sequence. Exactly one of Hits and TOTP is set.
	Hits []Hit
	TOTP *TOTP
	// Delay is the pause between two knocks.
	Delay time.Duration
	// Wait is the pause after the last knock: zero means DefaultWait, a
	// negative value no pause (`--wait 0`).
	Wait   time.Duration
	Family Family
	// UDP sends every knock as UDP, whatever its own protocol (knock's -u).
	UDP bool
}

// Sequence returns the knocks to send at time now: the fixed hits, or
// the TOTP ports of now's time step. With UDP set every knock is UDP.
func (d *Door) Sequence(now time.Time) []Hit {
	var hits []Hit
	if d.TOTP != nil {
		t := d.TOTP
		ports := totp.Ports(t.Secret, totp.Counter(now, t.Period), t.Length, t.Min, t.Max)
		hits = make([]Hit, len(ports))
		for i, p := range ports {
			hits[i] = Hit{Port: p, Proto: t.Proto}
		}
	} else {
		hits = append([]Hit(nil), d.Hits...)
	}
	if d.UDP {
		for i := range hits {
			hits[i].Proto = UDP
		}
	}
	return hits
}

// wait is the pause after the last knock (zero: none).
func (d *Door) wait() time.Duration {
	switch {
	case d.Wait == 0:
		return DefaultWait
	case d.Wait < 0:
		return 0
	}
	return d.Wait
}

// check validates a door assembled from flags or a config line, so that a
// Door that passed it can always be knocked.
func (d *Door) check() error {
	if d.Host == "" {
		return fmt.Errorf("no host given")
	}
	if (d.TOTP == nil) == (len(d.Hits) == 0) {
		if d.TOTP == nil {
			return fmt.Errorf("no ports given (and no TOTP secret)")
		}
		return fmt.Errorf("give either ports or a TOTP secret, not both")
	}
	if len(d.Hits) > MaxHits {
		return fmt.Errorf("%d knocks is more than the daemon accepts (%d)", len(d.Hits), MaxHits)
	}
	if d.Delay < 0 || d.Delay > MaxDelay {
		return fmt.Errorf("delay %v out of range (0 to %v)", d.Delay, MaxDelay)
	}
	if d.Wait > MaxDelay {
		return fmt.Errorf("wait %v out of range (0 to %v)", d.Wait, MaxDelay)
	}
	if t := d.TOTP; t != nil {
		return checkTOTP(t)
	}
	return nil
}

func checkTOTP(t *TOTP) error {
	if len(t.Secret) == 0 {
		return fmt.Errorf("empty TOTP secret")
	}
	for _, err := range []error{totp.CheckLength(t.Length), totp.CheckPeriod(t.Period), totp.CheckPorts(t.Min, t.Max)} {
		if err != nil {
			return err
		}
	}
	return nil
}

// defaultTOTP returns a TOTP with the daemon's defaults and secret s.
func defaultTOTP(secret []byte) *TOTP {
	return &TOTP{
		Secret: secret,
		Length: totp.DefaultLength,
		Period: totp.DefaultPeriod,
		Min:    totp.DefaultPortMin,
		Max:    totp.DefaultPortMax,
		Proto:  TCP,
	}
}
