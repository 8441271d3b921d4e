// Package command runs knockd-style start_command / stop_command actions
// without a shell.
//
// knockd hands its commands to /bin/sh -c after pasting the knocking
// address over %IP%. Here a command line is split into arguments once,
// when the config is loaded (Split), and %IP% is replaced inside each
// argument afterwards (Expand), so data from a packet can never add an
// argument, a redirection or a second command.
//
// Splitting rules (a strict subset of POSIX shell quoting):
//   - Words are separated by unquoted spaces, tabs and newlines.
//   - '...' keeps everything literally up to the next single quote.
//   - "..." keeps everything literally except \" \\ \$ \` (the escaped
//     character) and backslash-newline (removed).
//   - Outside quotes a backslash makes the next character literal;
//     backslash-newline is removed.
//   - Nothing is expanded: no variables, no globbing (* ? [ stay as they
//     are), no ~, no command substitution. Characters that would make a
//     shell do something else are refused with an error naming their
//     offset, rather than silently passed on: unquoted | & ; < > ( ), a $
//     or a backtick outside single quotes, and # at the start of a word.
//     To use a shell anyway, say so: sh -c 'iptables -I INPUT -s %IP% -j
//     ACCEPT; logger opened'.
//
// %IP% is the source address as netip.Addr.String() prints it, with any
// IPv6 zone removed (a zone such as %eth0 is an interface name, not part
// of the address). For a valid address that text contains only hex
// digits, '.' and ':', none of which is special to a shell, so %IP% is
// safe even inside an explicit sh -c script. IPv4-mapped IPv6 addresses
// stay as they are ("::ffff:192.0.2.7"), as knockd prints them.
//
// Runner.Run runs one command: argv[0] looked up in PATH (a missing
// binary is ErrNotFound), no stdin, stdout and stderr merged and kept up
// to MaxOutput bytes (default 4 KiB) for the caller to log, the whole
// process group killed when Timeout (default 30 s) passes.
//
// Scheduler reproduces knockd's cmd_timeout: the stop command runs
// StopAfter after the start command has finished (whatever its exit
// status), on an injected Clock. knockd's pending stops outlive the
// daemon; ours cannot, so Scheduler.Flush runs every pending stop at once
// at shutdown (a door closes early rather than never).
//
// What it does not: decide which command a knock runs, log, or retry.
//
// Example:
//
//	start, err := command.Split("/usr/sbin/iptables -I INPUT -s %IP% -p tcp --dport 22 -j ACCEPT")
//	if err != nil {
//		return err // config error: name the option
//	}
//	r := &command.Runner{Timeout: 10 * time.Second}
//	res, err := r.Run(ctx, start, knock.Src)
//	log.Info().Strs("argv", res.Argv).Bytes("output", res.Output).Err(err).Msg("start_command")
package command
