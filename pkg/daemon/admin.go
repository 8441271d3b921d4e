package daemon

import (
	"context"
	"fmt"
	"time"

	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/pkg/door"
	"github.com/uciknock/uciknock/pkg/fwreload"
	"github.com/uciknock/uciknock/uci"
)

// This file is the daemon's side of the admin commands (`uciknockd
// check`, `status`, `close`, `purge`): what they do to the system, for
// cmd/uciknockd to print.

// Check is what `uciknockd check` verifies: the configuration; as the
// daemon would refuse them, one-time files that are unreadable or hold no
// sequence; and a state_dir a reboot empties (the daemon only warns:
// refusing to start would lock everyone out, but a reboot would make used
// one-time sequences work again). Warnings (skipped one-time lines) go
// to warn.
func Check(path string, warn func(string)) (*config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	var errs config.Errors
	for i := range cfg.Sequences {
		s := &cfg.Sequences[i]
		if s.OneTimeFile == "" {
			continue
		}
		if _, err := readOneTimeFile(s.OneTimeFile, warn); err != nil {
			errs.List = append(errs.List, &config.FieldError{Path: s.Path + ".one_time_file", Msg: err.Error()})
		}
	}
	if err := checkStateDir(cfg, cfg.Global.StateDir); err != nil {
		errs.List = append(errs.List, err)
	}
	if len(errs.List) > 0 {
		return nil, &errs
	}
	return cfg, nil
}

// Status lists the doors in the firewall config at now, each marked Live
// when the kernel fast path has it, and says in one line whether there is
// a fast path. It reads the kernel itself, so it tells the truth with or
// without a running daemon.
func Status(p Paths, now time.Time) (doors []door.Listing, fastPath string, err error) {
	pkg, _, err := p.FirewallFile().Read()
	if err != nil {
		return nil, "", err
	}
	doors = door.List(pkg, now)
	return doors, markLive(&p, doors), nil
}

// Closed is what CloseOffline did.
type Closed struct {
	Removed  int // door sections removed from the firewall config
	Kernel   int // doors taken out of the kernel fast path
	Firewall string
}

// CloseOffline closes the doors sel names without a daemon (call
// AskRunningDaemon first: only when it answers ErrNoDaemon may the file
// be edited behind nobody's back): out of the firewall config, out of
// the kernel fast path, and the firewall reloaded so the door stops
// working now. No match is an error.
func CloseOffline(p Paths, sel door.Selector) (Closed, error) {
	var r Closed
	var closed []door.Door
	counts, err := door.Remove(p.FirewallFile(), func(s *uci.Section, _ time.Time) string {
		if !sel.Section(s) {
			return ""
		}
		if d, err := door.DoorFromSection(s); err == nil {
			closed = append(closed, d)
		}
		return "match"
	})
	if err != nil {
		return r, err
	}
	if r.Removed = counts["match"]; r.Removed == 0 {
		return r, fmt.Errorf("no door matches %s", sel)
	}
	// Out of the kernel fast path at once too (its elements would
	// otherwise live on until their timeouts).
	r.Kernel = closeInKernel(closed)
	r.Firewall, err = reloadOffline(&p)
	return r, err
}

// reloadOffline applies a change made without the daemon: fw4/fw3 (or the
// knock config's reload_command) reloads, so the removed door stops
// working now, not at the next reload. It returns the firewall's kind.
func reloadOffline(p *Paths) (string, error) {
	cfg, _ := config.Load(p.Config) // nil when it does not load: detection
	fw, err := fwreload.New(fwConfig(p.Root, cfg))
	if err != nil {
		return "", fmt.Errorf("door removed, but the firewall cannot be reloaded: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := fw.Reload(ctx); err != nil {
		return "", fmt.Errorf("door removed, but the firewall reload failed: %w", err)
	}
	return fw.Kind(), nil
}

// Purged is what Purge did.
type Purged struct {
	Expired   int // doors whose expiry had passed
	Untrusted int // timed doors removed because the clock cannot be trusted
	// Why says, when Untrusted > 0, why the clock was not trusted.
	Why string
}

// Purge removes expired doors (`uciknockd purge`, at boot before the
// firewall starts, so a reboot never brings back a door whose time has
// passed). The first purge of a boot also removes the timed doors whose
// expiry cannot be judged because the clock is not known good (boot.go).
func Purge(p Paths, now time.Time) (Purged, error) {
	clock := systemClockFacts(p.Root)
	mark := systemBootMark(p.Root)
	r, err := purgeDoors(p.FirewallFile(), now, mark, mark.first(), clock)
	out := Purged{Expired: r.expired, Untrusted: r.untrusted}
	if r.untrusted > 0 {
		out.Why = clock.why()
	}
	return out, err
}
