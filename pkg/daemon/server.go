package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"

	"github.com/uciknock/uciknock/pkg/capture"
	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/pkg/conntrack"
	"github.com/uciknock/uciknock/pkg/door"
	"github.com/uciknock/uciknock/pkg/knock"
	"github.com/uciknock/uciknock/uci"
)

// stopGrace is how long SIGTERM waits for pending closes to be written
// before the daemon exits anyway (procd kills after its own timeout).
const stopGrace = 1800 * time.Millisecond

// Paths are the files the daemon and the admin commands work on.
// OpenWrt's are DefaultPaths; tests and the demo point them into a
// temporary directory.
type Paths struct {
	Config      string // /etc/config/knock
	Firewall    string // /etc/config/firewall
	OverrideDir string // /var/run/uci (libuci's runtime override); "" disables
	StateDir    string // overrides knock.main.state_dir when set
	Root        string // prefix for /sbin/fw4 detection, /etc/TZ, /sys and /var/run
}

// DefaultPaths are OpenWrt's.
var DefaultPaths = Paths{Config: "/etc/config/knock", Firewall: "/etc/config/firewall", OverrideDir: "/var/run/uci", Root: "/"}

// FirewallFile is the firewall config as the door keeper and the admin
// commands edit it (libuci's lock, the /var/run/uci override).
func (p *Paths) FirewallFile() *uci.File {
	return &uci.File{Path: p.Firewall, OverrideDir: p.OverrideDir, Package: "firewall"}
}

// Options are what New needs besides the validated config.
type Options struct {
	Paths
	// Socket is the control socket (`uciknockd close`); "" disables it.
	// The caller holds its instance lock (LockInstance).
	Socket  string
	Version string // for the "started" line
	Log     zerolog.Logger
	// Ring is the capture ring per interface (--capture-ring,
	// RingOption); nil: the default ring.
	Ring capture.Option
	// LogLevel, if set, is called with knock.main.log_level after every
	// reload of the config (SIGHUP), so that the level applies without a
	// restart; the logger is the caller's.
	LogLevel func(level string)
}

// Server is uciknockd at run time: capture → engine → doors/commands,
// every task under one errgroup (Serve).
type Server struct {
	opts     Options
	log      zerolog.Logger
	keeper   *door.Keeper
	watch    *door.Watch
	resync   chan struct{} // SIGHUP: reconcile the doors now
	matcher  *matcher
	commands *commands
	capture  *captureSet
	fast     *fastPath
	// zoneCheck looks at the time zone again (a change since the last
	// look makes the keeper rewrite stop_dates); nil when stop_date is
	// not in local time.
	zoneCheck func()
	fwWait    *firewallWait
}

// New sets the daemon up for cfg: boot purge (first start of a boot),
// firewall detection, fast path, door keeper, engine. Nothing runs until
// Serve.
func New(opts Options, cfg *config.Config) (*Server, error) {
	f, log := &opts.Paths, opts.Log
	d := &Server{opts: opts, log: log, resync: make(chan struct{}, 1)}
	store := f.FirewallFile()
	// An unusable firewall config is reported but not fatal: the keeper
	// refuses to write until it parses again (never "fixing" it), and
	// knocking works again as soon as the user repairs it, without procd
	// giving up on a crash-looping daemon.
	if _, _, err := store.Read(); err != nil {
		log.Error().Err(err).Msg("firewall config unusable; no door will be written until it is fixed")
	} else if mark := systemBootMark(f.Root); mark.first() {
		// The init script's boot purge did not run in this boot (or
		// this is not OpenWrt): do it before adopting any door.
		bootPurgeAtStart(store, mark, systemClockFacts(f.Root), log)
	}
	watched := []string{f.Firewall}
	if f.OverrideDir != "" {
		watched = append(watched, filepath.Join(f.OverrideDir, "firewall"))
	}
	w, err := door.NewWatch(watched...)
	if err != nil {
		return nil, fmt.Errorf("watch firewall config: %w", err)
	}
	d.watch = w
	// A time-zone change makes the keeper put every stop_date in the new
	// zone (d.keeper exists by the time a change can be seen: the first
	// reading is made here, changes only by d.zoneCheck in Serve).
	fw, limit, zoneCheck, err := firewallFor(f.Root, cfg, log, func() { d.keeper.Recheck() })
	if err != nil {
		return nil, err
	}
	d.zoneCheck = zoneCheck
	d.fast = newFastPath(fw, cfg, log)
	d.fwWait = newFirewallWait(fw, log)
	d.keeper, err = door.New(door.Config{
		Store:    store,
		Reloader: d.fwWait,
		Kernel:   d.fast.kernel(),
		Sessions: conntrack.Killer{},
		Limit:    limit,
		Events:   d.doorEvent,
		Changes:  mergeChanges(w.Changes(), d.resync),
		Batch:    batchFor(cfg.Global.BatchWindow),
	})
	if err != nil {
		return nil, err
	}
	d.commands = newCommands(log, cfg.Global.CommandLimit)
	a := &actor{log: log, keeper: d.keeper, commands: d.commands}
	d.matcher = newMatcher(a.act)
	eng, err := buildEngine(cfg, d.stateDir(cfg), d.warn)
	if err != nil {
		return nil, err
	}
	d.matcher.swap(cfg, eng)
	return d, nil
}

// bootPurgeAtStart is the boot purge done by the daemon's first start in
// a boot (New has seen mark.first()).
func bootPurgeAtStart(store *uci.File, mark bootMark, clock clockFacts, log zerolog.Logger) {
	r, err := purgeDoors(store, time.Now(), mark, true, clock)
	switch {
	case err != nil:
		log.Error().Err(err).Msg("boot purge failed")
	case r.untrusted > 0:
		log.Warn().Int("removed", r.untrusted).Int("expired", r.expired).
			Msg("boot: timed doors from before this boot removed: " + clock.why())
	case r.expired > 0:
		log.Info().Int("expired", r.expired).Msg("boot: expired doors removed")
	}
}

func (d *Server) stateDir(cfg *config.Config) string {
	if d.opts.StateDir != "" {
		return d.opts.StateDir
	}
	return cfg.Global.StateDir
}

// Serve runs every task under one errgroup and one context until ctx
// ends (SIGTERM, SIGINT) or a task fails, handling SIGHUP from hup
// (reload the knock config, resync the doors); then it stops within one
// deadline (stopGrace): the keeper writes pending closes, pending stop
// commands run, open doors stay until their timeouts.
func (d *Server) Serve(ctx context.Context, hup <-chan os.Signal) error {
	g, gctx := errgroup.WithContext(ctx)
	keeperCtx, stopKeeper := context.WithCancel(context.Background())
	defer stopKeeper()
	keeperDone := make(chan error, 1)
	go func() { keeperDone <- d.keeper.Run(keeperCtx) }()
	g.Go(func() error { return d.watch.Run(gctx) })
	g.Go(func() error { return d.fast.run(gctx) })
	g.Go(func() error { return d.fwWait.run(gctx) })
	d.capture = newCaptureSet(d.log, d.matcher)
	d.capture.ring = d.opts.Ring
	cfg := d.matcher.config()
	g.Go(func() error { return d.capture.run(gctx, cfg) })
	g.Go(func() error { return d.portsLoop(gctx) })
	g.Go(func() error {
		tick := time.NewTicker(clockJumpEvery)
		defer tick.Stop()
		// Each tick looks at /etc/TZ too: a change calls Recheck.
		watchClockJumps(gctx, tick.C, systemClockReader(), d.zoneCheck, func(jump time.Duration) {
			d.log.Warn().Dur("jump", jump).Msg("wall clock jumped (NTP step, date -s); door expiries checked again")
			d.keeper.Recheck()
		})
		return nil
	})
	if d.opts.Socket != "" {
		ctl, err := listenControl(d.opts.Socket)
		if err != nil {
			d.log.Warn().Err(err).Msg("control socket unavailable; `uciknockd close` will refuse while this daemon runs")
		} else {
			g.Go(func() error { return serveControl(gctx, ctl, d) })
		}
	}
	g.Go(func() error { return d.signals(gctx, hup) })
	d.log.Info().Str("version", d.opts.Version).Str("firewall", d.opts.Firewall).
		Int("sequences", len(cfg.Sequences)).Msg("started")

	err := g.Wait()
	// Stopping: the keeper writes pending closes and pending stop
	// commands run now, in parallel, within one deadline; open doors stay
	// until their timeouts (their expiry is in the file).
	deadline := time.Now().Add(stopGrace)
	stopKeeper()
	cmdsDone := make(chan struct{})
	go func() {
		d.commands.shutdown(deadline)
		close(cmdsDone)
	}()
	select {
	case kerr := <-keeperDone:
		if kerr != nil {
			d.log.Error().Err(kerr).Msg("door keeper")
		}
	case <-time.After(time.Until(deadline)):
		d.log.Warn().Msg("door keeper did not finish in time; pending changes are left to the next start")
	}
	select {
	case <-cmdsDone:
	case <-time.After(time.Until(deadline)):
	}
	d.watch.Close()
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	d.log.Info().Msg("stopped; open doors keep their timeouts")
	return nil
}

// signals handles SIGHUP: reload the knock config (keeping the last good
// one on error) and resync the doors with the firewall config.
func (d *Server) signals(ctx context.Context, hup <-chan os.Signal) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			d.reload(ctx)
		}
	}
}

func (d *Server) reload(ctx context.Context) {
	select {
	case d.resync <- struct{}{}:
	default:
	}
	old := d.matcher.config()
	cfg, err := config.Load(d.opts.Config)
	if err == nil && !cfg.Global.Enabled {
		err = errors.New("knock.main.enabled is 0 (stop the service to disable it)")
	}
	if err == nil && cfg.Same(old) && !usesOneTimeFile(cfg) {
		// Unchanged (the HUP came from a firewall or interface event):
		// keep the engine, so knock attempts in progress survive, and
		// only re-resolve interfaces and resync the doors. A one-time
		// file is re-read on every HUP, as knockd does.
		d.capture.reconfigure(cfg)
		d.log.Info().Str("config", d.opts.Config).Msg("configuration unchanged; interfaces and doors resynced")
		return
	}
	if err == nil {
		// Built under the matcher's lock: the old engine must not use a
		// one-time sequence or TOTP step between the new engine loading
		// the used ones and taking over (that would allow one replay).
		err = d.matcher.rebuild(cfg, func() (*knock.Engine, error) {
			return buildEngine(cfg, d.stateDir(cfg), d.warn)
		})
	}
	if err != nil {
		d.log.Error().Err(err).Str("config", d.opts.Config).Msg("reload failed; keeping the running configuration")
		return
	}
	d.capture.reconfigure(cfg)
	if d.opts.LogLevel != nil {
		d.opts.LogLevel(cfg.Global.LogLevel)
	}
	for _, name := range restartOnly(&old.Global, &cfg.Global) {
		d.log.Warn().Str("option", "knock.main."+name).Msg("changed; takes effect at the next restart (/etc/init.d/knock restart)")
	}
	d.log.Info().Int("sequences", len(cfg.Sequences)).Str("config", d.opts.Config).Msg("configuration reloaded")
}

func usesOneTimeFile(cfg *config.Config) bool {
	for i := range cfg.Sequences {
		if cfg.Sequences[i].OneTimeFile != "" {
			return true
		}
	}
	return false
}

// restartOnly names the global options that changed but are only read at
// start: the door keeper and the command runner keep theirs (log_level
// applies on reload, Options.LogLevel).
func restartOnly(old, cur *config.Global) []string {
	var names []string
	if old.BatchWindow != cur.BatchWindow {
		names = append(names, "batch_window")
	}
	if old.ReloadCommand != cur.ReloadCommand {
		names = append(names, "reload_command")
	}
	if old.CommandLimit != cur.CommandLimit {
		names = append(names, "command_limit")
	}
	return names
}

// batchFor maps batch_window to the keeper's Batch: 0 means no batching.
func batchFor(w time.Duration) time.Duration {
	if w == 0 {
		return door.NoBatch
	}
	return w
}

// portsLoop keeps the capture filters in step with the engine's port set,
// which changes when a one-time sequence is used or a TOTP step begins.
func (d *Server) portsLoop(ctx context.Context) error {
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		ports, next := d.matcher.ports(time.Now())
		d.capture.setPorts(ports)
		wait := time.Hour
		if !next.IsZero() {
			wait = time.Until(next) + 10*time.Millisecond
		}
		t.Reset(wait)
		select {
		case <-ctx.Done():
			return nil
		case <-d.matcher.portsChanged:
		case <-d.capture.reconfigured:
		case <-t.C:
			st := d.matcher.expire(time.Now())
			d.log.Debug().Int("tracked", st.Tracked).Int("first", st.First).
				Uint64("evicted", st.Evicted).Uint64("completed", st.Completed).Msg("engine")
		}
	}
}

// mergeChanges fans two notification channels into one for the keeper.
func mergeChanges(a <-chan struct{}, b <-chan struct{}) <-chan struct{} {
	out := make(chan struct{}, 1)
	go func() {
		for {
			select {
			case _, ok := <-a:
				if !ok {
					a = nil
				}
			case <-b:
			}
			select {
			case out <- struct{}{}:
			default:
			}
		}
	}()
	return out
}

func (d *Server) warn(msg string) { d.log.Warn().Msg(msg) }
