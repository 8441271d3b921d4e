// Package daemonlog builds uciknockd's logger: zerolog in one of three
// formats — text on stderr (internal/logtext, what logd shows), JSON with
// a timestamp on stderr (tests, collectors), or syslog straight to
// /dev/log at each event's priority (internal/syslog, what procd runs) —
// with a Level that a reload can change for every copy of the logger
// handed out since.
//
// It does not decide the level or the format: cmd/uciknockd does, from
// its flags and knock.main.log_level.
//
// Example:
//
//	log, level, err := daemonlog.Open(os.Stderr, "info", daemonlog.Syslog)
//	...
//	level.Apply(log, "debug") // after a HUP with log_level 'debug'
package daemonlog
