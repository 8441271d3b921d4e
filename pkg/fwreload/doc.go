// Package fwreload finds the router's firewall (fw4 or fw3, or a
// configured command) and applies /etc/config/firewall with its reload,
// reporting failure even where the firewall itself exits 0.
//
// Why reload and nothing else: `fw4 reload` renders the whole ruleset and
// loads it with one `nft -f` transaction, so a failed load changes
// nothing and established flows survive. `restart` deletes the fw4 table
// first (a moment with no firewall) and `stop` flushes every nft table of
// every family; this package never runs either.
//
// fw4 (detected by an executable /sbin/fw4; on fw4 systems /sbin/fw3 is
// only a symlink to it, so fw4 is tested first, as LuCI does):
//   - Check runs `fw4 check`: render + `nft -c` without applying; its exit
//     status is reliable (the script sets pipefail). It is run without -q
//     because -q sends all output, nft's error message included, to
//     /dev/null.
//   - Reload runs `fw4 reload` directly rather than `/etc/init.d/firewall
//     reload`: the init script's reload_service is exactly `fw4 reload`,
//     fw4 takes its own lock (/var/run/fw4.lock) against hotplug and procd
//     reloads, and calling it directly gives us its exit status and
//     stderr. It is run without -q so that fw4's `[!] ` warnings (a
//     section skipped for an invalid option) reach Config.Warn.
//   - `fw4 reload` exits with the status of its last step (script
//     includes), so a failed `nft -f` usually still exits 0. Reload
//     therefore also fails when stderr carries an nft or ucode error line
//     ("...: Error: ...", "Runtime error: ...", "Syntax error: ...").
//     fw4 also exits 1 with "The fw4 firewall does not appear to be
//     loaded." when the firewall was stopped; Reload reports that and
//     never starts a stopped firewall.
//
// Loaded tells whether the firewall is running, by the state file fw4
// and fw3 themselves go by (/var/run/fw4.state, /var/run/fw3.state):
// without it `fw4 reload` refuses (the *Error then matches ErrNotLoaded)
// and `fw3 reload` would start the firewall. StateFile names it, so a
// caller can wait for it to appear (at boot the firewall starts after
// uciknockd).
//
// fw3: Reload runs `fw3 reload`, whose exit status is reliable. fw3 has
// no dry run (`fw3 print` does not validate against the kernel), so Check
// does nothing and returns nil; CanCheck says so.
//
// Custom (Config.Reload set): that command, and Config.Check if given;
// only the exit status counts.
//
// Every command runs without a shell, in its own process group, killed
// as a group when the context ends or Config.Timeout passes; its output
// is kept up to 64 KiB per stream. Failures are *Error values carrying
// the output. The package keeps no global state and never logs.
//
// Example:
//
//	fw, err := fwreload.Detect("/")
//	if err != nil {
//		return err // neither fw4 nor fw3: configure a reload command
//	}
//	if err := fw.Check(ctx); err != nil {
//		return err // our change broke the ruleset: take it back
//	}
//	if err := fw.Reload(ctx); err != nil {
//		var fe *fwreload.Error
//		if errors.As(err, &fe) {
//			log.Error().Str("stderr", fe.Stderr).Msg(fe.Reason)
//		}
//	}
package fwreload
