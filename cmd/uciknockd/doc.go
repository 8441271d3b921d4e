// Command uciknockd is the uciknock daemon and its administration tool.
//
//	uciknockd [run] [flags]          run the daemon in the foreground (procd)
//	uciknockd check [FILE]           validate /etc/config/knock (or FILE)
//	uciknockd status [--json]        list the open doors from the firewall config
//	uciknockd close NAME|IP          close a door by rule name, or every door of a source
//	uciknockd purge                  remove expired doors (at boot, before the firewall starts)
//	uciknockd import FILE [--write]  turn a knockd.conf into /etc/config/knock
//	uciknockd version
//
// Editing UCI files by hand is OpenWrt's uci; on machines without it (the
// demo, tests) the clone cmd/uci (build/uci) stands in. It is not part of
// uciknockd, to keep the router binary small.
//
// What it does: the flags and output of each command, the logger (zerolog,
// one line per event; under procd straight to syslog at the event's
// priority, else to stderr) and the exit status. The daemon itself —
// capture (pkg/capture) → the knock engine (pkg/knock) → doors in
// /etc/config/firewall (pkg/door) and commands (pkg/command) under one
// errgroup — is pkg/daemon's Server; the packages never exit, and only
// pkg/daemon logs, through the logger given to it.
//
// What it does not: it keeps no state of its own beyond the firewall
// config (doors and their expiry) and state_dir (used one-time sequences);
// in-progress knock attempts are lost on restart, as with knockd.
//
// Signals: HUP reloads /etc/config/knock (keeping the last good config on
// error) and resyncs the doors; TERM and INT stop within two seconds and
// leave open doors to their timeouts.
//
// Example (what the demo does, in a network namespace):
//
//	uciknockd run --config /tmp/d/knock --firewall /tmp/d/firewall --override-dir '' --socket /tmp/d/sock
//	uciknockd status --firewall /tmp/d/firewall
//	uciknockd close --socket /tmp/d/sock 192.0.2.7
package main
