package daemon

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/uciknock/uciknock/pkg/door"
	"github.com/uciknock/uciknock/pkg/fwreload"
)

// firewallWait stands between the door keeper and the firewall. At boot
// uciknockd starts (S18) before the firewall (S19), and a firewall can be
// stopped by hand: while it is not loaded there is nothing to reload, and
// the doors are already in /etc/config/firewall, which the firewall's own
// start reads. So a reload then is not a failure to retry with errors: it
// is owed. One INFO line says so, and once the firewall's state file
// appears the owed reload runs (a door written while the firewall was
// reading its config would otherwise wait for the next change).
type firewallWait struct {
	fw   *fwreload.Firewall
	log  zerolog.Logger
	kick chan struct{} // a reload became owed: look at the state file again

	mu   sync.Mutex // guards owed
	owed bool       // a reload was skipped because the firewall was not loaded
}

func newFirewallWait(fw *fwreload.Firewall, log zerolog.Logger) *firewallWait {
	return &firewallWait{fw: fw, log: log, kick: make(chan struct{}, 1)}
}

// Check validates the config; it works whether or not the firewall runs.
func (w *firewallWait) Check(ctx context.Context) error { return w.fw.Check(ctx) }

// Reload applies the config, or owes it while the firewall is not loaded.
func (w *firewallWait) Reload(ctx context.Context) error {
	if !w.fw.Loaded() {
		w.notLoaded()
		return nil
	}
	err := w.fw.Reload(ctx)
	switch {
	case errors.Is(err, fwreload.ErrNotLoaded): // stopped since Loaded
		w.notLoaded()
		return nil
	case err == nil:
		w.mu.Lock()
		w.owed = false
		w.mu.Unlock()
	}
	return err
}

func (w *firewallWait) notLoaded() {
	w.mu.Lock()
	first := !w.owed
	w.owed = true
	w.mu.Unlock()
	if first {
		w.log.Info().Str("state", w.fw.StateFile()).
			Msg("firewall not loaded yet; doors stay in the firewall config and are applied when it starts")
	}
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

func (w *firewallWait) isOwed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.owed
}

// run watches the firewall's state file until ctx ends and runs an owed
// reload once the firewall is loaded. The reload takes the firewall's
// own lock, so it waits for a start still in progress. A failure now is
// a real one: it is logged and retried at the state file's next change.
func (w *firewallWait) run(ctx context.Context) error {
	if w.fw.StateFile() == "" {
		return nil // custom reload command: always loaded
	}
	var changes <-chan struct{}
	var poll <-chan time.Time
	if watch, err := door.NewWatch(w.fw.StateFile()); err == nil {
		defer watch.Close()
		go watch.Run(ctx)
		changes = watch.Changes()
	} else {
		// No inotify on its directory (a test root without var/run):
		// look every 2 s instead of never applying the owed reload.
		w.log.Warn().Err(err).Msg("cannot watch the firewall state file; checking it every 2 s")
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		poll = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-changes:
		case <-poll:
		case <-w.kick:
		}
		if !w.isOwed() || !w.fw.Loaded() {
			continue
		}
		err := w.Reload(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			w.log.Error().Err(err).Msg("firewall started, but reloading it with the doors failed; retried when its state changes")
		case !w.isOwed():
			w.log.Debug().Msg("firewall started; doors applied")
		}
	}
}
