//go:build !linux

package capture

import (
	"context"
	"errors"

	"github.com/uciknock/uciknock/pkg/knock"
)

// errNotSupported: AF_PACKET sockets exist only on Linux.
var errNotSupported = errors.New("capture: packet capture is only supported on Linux")

// Listener captures knocks; on this OS it cannot be opened.
type Listener struct{}

// Listen always fails on this OS.
func Listen(ifname string, ports []Port, opts ...Option) (*Listener, error) {
	if _, err := Filter(ports); err != nil {
		return nil, err
	}
	return nil, errNotSupported
}

// Run always fails on this OS.
func (l *Listener) Run(ctx context.Context, fn func(knock.Knock)) error { return errNotSupported }

// SetPorts always fails on this OS.
func (l *Listener) SetPorts(ports []Port) error { return errNotSupported }

// Stats returns zero counters on this OS.
func (l *Listener) Stats() Stats { return Stats{} }

// Close does nothing on this OS.
func (l *Listener) Close() error { return nil }
