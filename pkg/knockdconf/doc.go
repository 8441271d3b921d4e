// Package knockdconf reads knockd's configuration (/etc/knockd.conf and
// one-time sequences files) and converts it to /etc/config/knock, for
// `uciknockd import`.
//
// Parse follows knockd 0.8's grammar: case-insensitive keys split at the
// first '=', whole-line '#' comments only, a lower-case [options] section,
// door sections (duplicate names allowed), the aliases Command, Timeout and
// Command_6, and a bare UseSyslog. Everything knockd rejects is an error,
// and so is everything knockd silently misreads (port 0 from "abc",
// "5s" read as 5); all errors come at once, as file:line.
//
// Convert, ToUCI and ToConfig map doors to `config sequence` sections.
// A start command that calls the seed's uciknockd.sh (open-port,
// close-port, forward-port, remove-forward-port with %IP% as the address)
// becomes a native open, close, forward or unforward action with the same
// prefix and ports; a matching close as stop command becomes the door's
// timeout (cmd_timeout). Every other door stays a command action. What
// uciknockd does differently (no shell, nftables instead of iptables,
// reflection off, LogFile and PidFile unused) comes back as warnings with
// file:line. The result is validated with config.Parse before it is
// returned.
//
// It does not write files or run uci: cmd/uciknockd decides where the
// output goes.
//
// Example:
//
//	f, err := knockdconf.Parse("/etc/knockd.conf", data)
//	if err != nil {
//		return err // e.g. "/etc/knockd.conf:7: sequence: knock 2: ..."
//	}
//	batch, warnings, err := f.ToUCI() // feed to `uci batch`
package knockdconf
