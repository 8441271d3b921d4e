//go:build !linux

package fwreload

import (
	"context"
	"errors"
)

// RealExec is only implemented on Linux (process groups, OpenWrt).
func RealExec(ctx context.Context, argv []string) (stdout, stderr []byte, err error) {
	return nil, nil, errors.New("fwreload: running the firewall is only supported on Linux")
}
