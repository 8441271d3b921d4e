//go:build !linux

package main

import (
	"context"
	"errors"
)

// run needs Linux: network namespaces, veth, AF_PACKET and inotify.
func run(context.Context, options) error {
	return errors.New("knockbench runs only on Linux (network namespaces, AF_PACKET)")
}
