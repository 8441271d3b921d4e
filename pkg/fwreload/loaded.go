package fwreload

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// ErrNotLoaded is matched (errors.Is) by the *Error of a reload that
// failed because the firewall is not running: fw4's "The fw4 firewall
// does not appear to be loaded." At boot this is the normal state until
// the firewall's own init script (START=19) has run.
var ErrNotLoaded = errors.New("firewall not loaded")

// State files whose presence is what fw4 and fw3 themselves take for
// "loaded": `fw4 reload` refuses without /var/run/fw4.state, and
// `fw3 reload` without /var/run/fw3.state starts the firewall instead.
// Both are written by the firewall's start, after its lock is taken, and
// removed by its stop and flush.
const (
	fw4State = "var/run/fw4.state"
	fw3State = "var/run/fw3.state"
)

// StateFile returns the file whose existence means the firewall is
// loaded, or "" when that cannot be told (a custom reload command).
func (f *Firewall) StateFile() string { return f.state }

// Loaded reports whether the firewall is running, so that a reload would
// apply the config rather than fail (fw4) or start the firewall (fw3). A
// custom firewall is always taken as loaded.
func (f *Firewall) Loaded() bool {
	if f.state == "" {
		return true
	}
	_, err := os.Stat(f.state)
	return err == nil
}

func stateFile(root, kind string) string {
	switch kind {
	case KindFW4:
		return filepath.Join(root, fw4State)
	case KindFW3:
		return filepath.Join(root, fw3State)
	}
	return ""
}

// notLoaded reports whether a failed fw4 run said the firewall is not
// loaded (fw4's die message; fw4 -q would have printed nothing).
func notLoaded(stderr []byte) bool {
	return strings.Contains(string(stderr), "does not appear to be loaded")
}

// Is makes errors.Is(err, ErrNotLoaded) true for a reload refused because
// the firewall is not running; Unwrap still gives the exit status.
func (e *Error) Is(target error) bool { return target == ErrNotLoaded && e.notLoaded }
