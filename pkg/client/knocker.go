package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// Transport sends one knock. SystemTransport is the real one; tests use
// a fake that records what would have been sent.
type Transport interface {
	Knock(ctx context.Context, proto Proto, dst netip.AddrPort) error
}

// Resolver turns a host name into addresses. *net.Resolver implements it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Clock gives the time (for TOTP) and waits (for the delay).
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// Sleep waits d or until ctx is done.
func (SystemClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Knocker sends a door's sequence.
type Knocker struct {
	Transport Transport
	Resolver  Resolver
	Clock     Clock
	// OnHit, when set, is called before each knock is sent (uciknock -v
	// prints "hitting tcp 192.0.2.1:7000" from it, as knock does).
	OnHit func(h Hit, dst netip.AddrPort)
}

// NewKnocker returns a Knocker that sends real packets.
func NewKnocker() *Knocker {
	return &Knocker{Transport: SystemTransport{}, Resolver: net.DefaultResolver, Clock: SystemClock{}}
}

// Knock resolves d.Host once, computes the sequence for the current time
// and sends it, waiting d.Delay between two knocks and d.Wait (default
// DefaultWait) after the last, so that the door is open when Knock returns.
//
// Unlike knock, the host is resolved once, not before every hit, so
// round-robin DNS cannot spread one sequence over several servers. A knock that cannot be sent
// (no route, no permission) stops the sequence with an error; a refused
// TCP connection is not an error, it is what a closed knock port does.
func (k *Knocker) Knock(ctx context.Context, d *Door) error {
	if err := d.check(); err != nil {
		return err
	}
	addr, err := Resolve(ctx, k.Resolver, d.Host, d.Family)
	if err != nil {
		return err
	}
	for i, h := range d.Sequence(k.Clock.Now()) {
		if i > 0 && d.Delay > 0 {
			if err := k.Clock.Sleep(ctx, d.Delay); err != nil {
				return fmt.Errorf("knock %d of %s: %w", i+1, d.Host, err)
			}
		}
		dst := netip.AddrPortFrom(addr, h.Port)
		if k.OnHit != nil {
			k.OnHit(h, dst)
		}
		if err := k.Transport.Knock(ctx, h.Proto, dst); err != nil {
			return fmt.Errorf("hitting %s %s: %w", h.Proto, dst, err)
		}
	}
	if w := d.wait(); w > 0 {
		if err := k.Clock.Sleep(ctx, w); err != nil {
			return fmt.Errorf("waiting for the door of %s: %w", d.Host, err)
		}
	}
	return nil
}

// Resolve returns the address to knock: host itself when it is an IP
// literal (checked against the family), else the first address the
// resolver gives for the family, as knock takes getaddrinfo's first.
func Resolve(ctx context.Context, r Resolver, host string, f Family) (netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		a = a.Unmap()
		if f == IPv4 && !a.Is4() || f == IPv6 && !a.Is6() {
			return netip.Addr{}, fmt.Errorf("host %s is not an %s address", host, f)
		}
		return a, nil
	}
	if !validHostName(host) {
		return netip.Addr{}, fmt.Errorf("host %q is neither an IP address nor a host name", host)
	}
	addrs, err := r.LookupNetIP(ctx, f.network(), host)
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return netip.Addr{}, fmt.Errorf("cannot resolve host %q: no such host", host)
		}
		return netip.Addr{}, fmt.Errorf("cannot resolve host %q: %w", host, err)
	}
	for _, a := range addrs {
		a = a.Unmap()
		if f == IPv4 && !a.Is4() || f == IPv6 && !a.Is6() {
			continue
		}
		return a, nil
	}
	return netip.Addr{}, fmt.Errorf("cannot resolve host %q: no %s address", host, f)
}

// validHostName accepts DNS names (letters, digits, '-', '_', dots), so
// that an obvious typo ("192.0.2.300", "host:22") is reported as such
// instead of as a resolver failure.
func validHostName(s string) bool {
	if s == "" || len(s) > 253 || s[0] == '.' || s[0] == '-' {
		return false
	}
	allDigits := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c == '.':
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-', c == '_':
			allDigits = false
		default:
			return false
		}
	}
	// "192.0.2.300" or "10.1" look like addresses, not names: refuse them
	// rather than let a resolver guess.
	return !allDigits
}
