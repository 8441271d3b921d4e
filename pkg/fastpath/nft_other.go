//go:build !linux

package fastpath

import (
	"context"
	"errors"
	"time"
)

var errNotLinux = errors.New("fastpath: nftables needs Linux")

// NFT is the netlink Kernel; not available on this system.
type NFT struct{}

// DialNFT always fails off Linux.
func DialNFT() (*NFT, error) { return nil, errNotLinux }

// Close does nothing.
func (*NFT) Close() error { return nil }

// Apply fails off Linux.
func (*NFT) Apply(dels, adds []Elem, timeout time.Duration) error { return errNotLinux }

// Sets fails off Linux.
func (*NFT) Sets() ([]string, error) { return nil, errNotLinux }

// Keys fails off Linux.
func (*NFT) Keys(string) (map[string]bool, error) { return nil, errNotLinux }

// Watch is not available off Linux.
type Watch struct {
	Resynced      func(live int, took time.Duration, err error)
	DevicesFailed func(err error)
}

// NewWatch always fails off Linux.
func NewWatch(*Doors) (*Watch, error) { return nil, errNotLinux }

// Run returns at once.
func (*Watch) Run(context.Context) error { return errNotLinux }
