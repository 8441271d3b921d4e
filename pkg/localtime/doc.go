// Package localtime computes the router's local wall-clock time the way
// musl (OpenWrt's C library) computes it, so that a time written into the
// firewall config means the same instant to nft as it does to us.
//
// Why: fw4 turns `option stop_date 'YYYY-MM-DDThh:mm:ss'` into an nft
// `meta time <= "..."` match, and nft reads that string in the local time
// zone of the nft process: musl, which on OpenWrt takes the POSIX TZ string
// from /etc/TZ (OpenWrt's musl patch 110-read_timezone_from_fs), while Go's
// time.Local on a router is usually UTC. A door that should close at 21:30
// UTC on a router in CET must say 22:30.
//
// What it does:
//   - ParseTZ parses a POSIX TZ string strictly ("CET-1CEST,M3.5.0,M10.5.0/3",
//     "<+0330>-3:30", "UTC0", Jn / n / Mm.w.d rules, signed and >24 h rule
//     times) and rejects what musl would silently misread.
//   - Musl returns what musl itself makes of any string, quirks included
//     (names longer than 6 characters, missing offsets, garbage); it never
//     fails.
//   - Load reads one TZ file (/etc/TZ); a missing or empty file means UTC.
//     LoadSystem follows musl's whole lookup under a root directory: $TZ is
//     not consulted (daemons run without it), /etc/TZ, a zoneinfo file it
//     names, /etc/localtime (TZif), else UTC.
//   - Zone.Wall gives the local wall clock of an instant as musl's
//     localtime_r does; Zone.StopDate formats a stop_date for fw4 that nft
//     can never read as a later instant than the one asked for (see
//     StopDate for the daylight-saving ambiguity).
//
// What it does not: it does not read $TZ or time.Local, keeps no global
// state and never logs. TZif files are evaluated by Go's time package,
// which agrees with musl for every real zone file.
//
// Example:
//
//	zone, err := localtime.ParseTZ("CET-1CEST,M3.5.0,M10.5.0/3")
//	if err != nil {
//		return err
//	}
//	expires := time.Date(2026, 11, 25, 20, 30, 0, 0, time.UTC)
//	sec.Set("stop_date", zone.StopDate(expires)) // "2026-11-25T21:30:00"
package localtime
