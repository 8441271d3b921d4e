//go:build !linux

package conntrack

import (
	"errors"
	"net/netip"
)

var errNotLinux = errors.New("conntrack: only supported on Linux")

// List is only implemented on Linux.
func List(fam netip.Addr) ([]Entry, error) { return nil, errNotLinux }

// Kill is only implemented on Linux.
func Kill(src netip.Addr, proto string, port uint16) (int, error) { return 0, errNotLinux }

// Killer is Kill as a value, for interfaces such as door.SessionKiller.
type Killer struct{}

// Kill is the package-level Kill.
func (Killer) Kill(src netip.Addr, proto string, port uint16) (int, error) {
	return Kill(src, proto, port)
}
