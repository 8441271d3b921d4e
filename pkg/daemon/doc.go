// Package daemon is uciknockd at run time: the Server that owns every
// task of the daemon under one context, one errgroup and one shutdown
// deadline, and the system side of the admin commands (Check, Status,
// CloseOffline, Purge, the control socket).
//
// Tasks (Server.Serve; each a goroutine of one errgroup, stopped by its
// context):
//
//	                    ┌───────────── SIGHUP: reload config, re-resolve
//	                    │              interfaces, resync doors
//	capture (one per ───┼──► matcher ──► knock.Engine ──► actor ──► door.Keeper.Open/Close
//	interface)          │      │ (mutex)                  │
//	   ▲                │      │ port set changed         └──► commands (start/stop, own goroutines)
//	   └─ ports loop ◄──┼──────┘ (one-time used, TOTP step)
//	door watch (inotify on the firewall config) ──► keeper's Changes
//	fast-path watch (nftables notifications) ──► live doors put back
//	clock/zone watch (2 s) ──► keeper.Recheck on a wall-clock jump or a new /etc/TZ
//	firewall wait ──► the reload owed while the firewall was not loaded (boot)
//	control socket ──► keeper.CloseSelected (`uciknockd close`)
//	signals (SIGHUP)
//
//	door.Keeper.Run: beside the group, on its own context, so that on
//	SIGTERM it still writes pending closes; commands' pending stops run
//	too; both within stopGrace.
//
// What it does not do: parse flags, set the logger up or exit (cmd/uciknockd
// does), or know the knock grammar, the doors' file format or the
// firewall's tools (pkg/knock, pkg/door, pkg/fwreload). It logs through
// the zerolog.Logger it is given.
//
// Example (what `uciknockd run` does after its flags and logger):
//
//	cfg, err := config.Load("/etc/config/knock")
//	...
//	srv, err := daemon.New(daemon.Options{Paths: daemon.DefaultPaths, Socket: daemon.DefaultSocket, Log: log}, cfg)
//	...
//	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
//	defer stop()
//	err = srv.Serve(ctx, hup) // hup: a channel signal.Notify'd with SIGHUP
package daemon
