package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"

	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/pkg/conntrack"
	"github.com/uciknock/uciknock/pkg/door"
	"github.com/uciknock/uciknock/pkg/knock"
	"github.com/uciknock/uciknock/uci"
)

// stopGrace is how long SIGTERM waits for pending closes to be written
// before the daemon exits anyway (procd kills after its own timeout).
const stopGrace = 1800 * time.Millisecond

type runFlags struct {
	paths
	logLevel  string
	logFormat string
	socket    string
	memLimit  string
	ring      string
}

func cmdRun(args []string, stderr io.Writer) error {
	var f runFlags
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	f.paths.register(fs)
	fs.StringVar(&f.logLevel, "log-level", "", "log `level` (debug, info, warn, error); default: knock.main.log_level")
	fs.StringVar(&f.logFormat, "log-format", "text", "log `format`: text (stderr), json (stderr) or syslog (/dev/log, at each line's priority; what the init script uses)")
	fs.StringVar(&f.socket, "socket", defaultSocket, "control socket `path` (\"\" disables)")
	fs.StringVar(&f.memLimit, "memory-limit", "", "Go soft memory `limit` (e.g. 16MiB, off); default 16MiB unless GOMEMLIMIT is set")
	fs.StringVar(&f.ring, "capture-ring", "", "capture ring `size` per interface, a multiple of 64KiB (default 2MiB; 1MiB saves 1 MiB of RSS, absorbs half the delay)")
	// Catch SIGHUP first: procd may signal a daemon that is still starting,
	// and an unhandled HUP would kill it.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	cfg, err := loadConfig(f.config)
	if err != nil {
		return err
	}
	level := cfg.Global.LogLevel
	if f.logLevel != "" {
		level = f.logLevel
	}
	log, logLevel, err := openLogger(stderr, level, f.logFormat)
	if err != nil {
		return err
	}
	if _, err := setMemoryLimit(f.memLimit); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if _, err := ringOption(f.ring); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if f.socket != "" {
		lock, err := lockInstance(f.socket)
		if err != nil {
			return err
		}
		defer lock.Close()
	}
	if !cfg.Global.Enabled {
		log.Warn().Str("config", f.config).Msg("disabled (knock.main.enabled is 0): nothing to do")
		return nil
	}
	d, err := newDaemon(&f, cfg, log)
	if err != nil {
		return err
	}
	d.logLevel = logLevel
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	return d.run(ctx, hup)
}

// daemon is uciknockd at run time: capture → engine → doors/commands.
type daemon struct {
	flags    *runFlags
	log      zerolog.Logger
	keeper   *door.Keeper
	watch    *door.Watch
	resync   chan struct{} // SIGHUP: reconcile the doors now
	matcher  *matcher
	commands *commands
	capture  *captureSet
	fast     *fastPath
	// zonePoll computes a stop_date to make the time zone be looked at
	// (a change since the last look makes the keeper rewrite stop_dates);
	// nil when stop_date is not in local time.
	zonePoll func(time.Time)
	fwWait   *firewallWait
	logLevel *levelFilter // log_level, set again on HUP
}

func newDaemon(f *runFlags, cfg *config.Config, log zerolog.Logger) (*daemon, error) {
	d := &daemon{flags: f, log: log, resync: make(chan struct{}, 1)}
	store := &uci.File{Path: f.firewall, OverrideDir: f.overrideDir, Package: "firewall"}
	// An unusable firewall config is reported but not fatal: the keeper
	// refuses to write until it parses again (never "fixing" it), and
	// knocking works again as soon as the user repairs it, without procd
	// giving up on a crash-looping daemon.
	if _, _, err := store.Read(); err != nil {
		log.Error().Err(err).Msg("firewall config unusable; no door will be written until it is fixed")
	} else if mark := systemBootMark(f.root); mark.first() {
		// The init script's boot purge did not run in this boot (or
		// this is not OpenWrt): do it before adopting any door.
		bootPurgeAtStart(store, mark, systemClockFacts(f.root), log)
	}
	watched := []string{f.firewall}
	if f.overrideDir != "" {
		watched = append(watched, filepath.Join(f.overrideDir, "firewall"))
	}
	w, err := door.NewWatch(watched...)
	if err != nil {
		return nil, fmt.Errorf("watch firewall config: %w", err)
	}
	d.watch = w
	// A time-zone change makes the keeper put every stop_date in the new
	// zone (d.keeper exists by the time a change can be seen: the first
	// reading is made here, changes only by later stop_dates and polls).
	fw, limit, err := firewallFor(f, cfg, log, func() { d.keeper.Recheck() })
	if err != nil {
		return nil, err
	}
	d.fast = newFastPath(fw, cfg, log)
	if limit.Local != nil {
		d.zonePoll = func(t time.Time) { limit.Local(t) }
	}
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
// a boot.
func bootPurgeAtStart(store *uci.File, mark bootMark, clock clockFacts, log zerolog.Logger) {
	r, err := purgeDoors(store, time.Now(), mark, clock)
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

func (d *daemon) stateDir(cfg *config.Config) string {
	if d.flags.stateDir != "" {
		return d.flags.stateDir
	}
	return cfg.Global.StateDir
}

// run starts every task under one errgroup and handles SIGHUP until ctx
// (SIGTERM/SIGINT) ends.
func (d *daemon) run(ctx context.Context, hup <-chan os.Signal) error {
	g, gctx := errgroup.WithContext(ctx)
	keeperCtx, stopKeeper := context.WithCancel(context.Background())
	defer stopKeeper()
	keeperDone := make(chan error, 1)
	go func() { keeperDone <- d.keeper.Run(keeperCtx) }()
	g.Go(func() error { return d.watch.Run(gctx) })
	g.Go(func() error { return d.fast.run(gctx) })
	g.Go(func() error { return d.fwWait.run(gctx) })
	d.capture = newCaptureSet(d.log, d.matcher)
	d.capture.ring, _ = ringOption(d.flags.ring) // checked in cmdRun
	cfg := d.matcher.config()
	g.Go(func() error { return d.capture.run(gctx, cfg) })
	g.Go(func() error { return d.portsLoop(gctx) })
	g.Go(func() error {
		tick := time.NewTicker(clockJumpEvery)
		defer tick.Stop()
		ticks := make(chan time.Time)
		go func() {
			defer close(ticks)
			for {
				select {
				case <-gctx.Done():
					return
				case t := <-tick.C:
					if d.zonePoll != nil {
						d.zonePoll(t) // looks at /etc/TZ: a change calls Recheck
					}
					select {
					case ticks <- t:
					case <-gctx.Done():
						return
					}
				}
			}
		}()
		watchClockJumps(gctx, ticks, systemClockReader(), func(jump time.Duration) {
			d.log.Warn().Dur("jump", jump).Msg("wall clock jumped (NTP step, date -s); door expiries checked again")
			d.keeper.Recheck()
		})
		return nil
	})
	if d.flags.socket != "" {
		ctl, err := listenControl(d.flags.socket)
		if err != nil {
			d.log.Warn().Err(err).Msg("control socket unavailable; `uciknockd close` will refuse while this daemon runs")
		} else {
			g.Go(func() error { return serveControl(gctx, ctl, d) })
		}
	}
	g.Go(func() error { return d.signals(gctx, hup) })
	d.log.Info().Str("version", version).Str("firewall", d.flags.firewall).
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
func (d *daemon) signals(ctx context.Context, hup <-chan os.Signal) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			d.reload(ctx)
		}
	}
}

func (d *daemon) reload(ctx context.Context) {
	select {
	case d.resync <- struct{}{}:
	default:
	}
	old := d.matcher.config()
	cfg, err := loadConfig(d.flags.config)
	if err == nil && !cfg.Global.Enabled {
		err = errors.New("knock.main.enabled is 0 (stop the service to disable it)")
	}
	if err == nil && reflect.DeepEqual(cfg, old) && !usesOneTimeFile(cfg) {
		// Unchanged (the HUP came from a firewall or interface event):
		// keep the engine, so knock attempts in progress survive, and
		// only re-resolve interfaces and resync the doors. A one-time
		// file is re-read on every HUP, as knockd does.
		d.capture.reconfigure(cfg)
		d.log.Info().Str("config", d.flags.config).Msg("configuration unchanged; interfaces and doors resynced")
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
		d.log.Error().Err(err).Str("config", d.flags.config).Msg("reload failed; keeping the running configuration")
		return
	}
	d.capture.reconfigure(cfg)
	d.applyLogLevel(cfg.Global.LogLevel)
	for _, name := range restartOnly(&old.Global, &cfg.Global) {
		d.log.Warn().Str("option", "knock.main."+name).Msg("changed; takes effect at the next restart (/etc/init.d/knock restart)")
	}
	d.log.Info().Int("sequences", len(cfg.Sequences)).Str("config", d.flags.config).Msg("configuration reloaded")
}

// applyLogLevel makes knock.main.log_level the level of every logger
// copy, unless --log-level was given (the command line wins, as at start).
func (d *daemon) applyLogLevel(level string) {
	if d.logLevel == nil || d.flags.logLevel != "" {
		return
	}
	lvl, err := parseLevel(level)
	if err != nil || lvl == d.logLevel.level() {
		return // the config parser already rejected a bad level
	}
	// An INFO line, shown if the old or the new level lets it through:
	// a louder level is set before it, a quieter one after.
	if lvl < d.logLevel.level() {
		d.logLevel.set(lvl)
	}
	d.log.Info().Str("option", "knock.main.log_level").Str("value", lvl.String()).Msg("log level changed")
	d.logLevel.set(lvl)
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
// applies on reload, applyLogLevel).
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
func (d *daemon) portsLoop(ctx context.Context) error {
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

func (d *daemon) warn(msg string) { d.log.Warn().Msg(msg) }
