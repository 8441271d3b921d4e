//go:build !linux

package uci

import "errors"

// errNotSupported: the safe update relies on Linux flock and stat
// semantics (the only platform OpenWrt runs on).
var errNotSupported = errors.New("uci: safe file update is only supported on linux")

type lockedFile struct{}

func lockFile(string, bool, lockWait, string) (*lockedFile, error) { return nil, errNotSupported }

func (*lockedFile) readAll() ([]byte, error) { return nil, errNotSupported }
func (*lockedFile) close() error             { return nil }
func (*lockedFile) replace([]byte) error     { return errNotSupported }
func (*lockedFile) removeStaleTemps()        {}
