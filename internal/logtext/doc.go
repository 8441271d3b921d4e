// Package logtext turns the JSON lines zerolog writes into the text lines
// zerolog's ConsoleWriter writes with NoColor and no timestamp:
//
//	INF open rule=KnockSSH_192.0.2.7_22 sequence=knock.ssh_open src=192.0.2.7
//
// level (INF, WRN, …), message, then the fields sorted by name with
// `error` first, string values quoted when they hold spaces, quotes,
// backslashes or non-ASCII. It does what ConsoleWriter does for the
// daemon's log lines without ConsoleWriter's encoding/json decoder, which
// is most of what ConsoleWriter adds to the router binary
// (docs/benchmarks.md, binary sizes). A line it cannot read is written
// unchanged, so nothing is lost.
//
// It does not colour, print times or callers, or format values beyond
// copying them (numbers, booleans, arrays and objects stay as zerolog
// wrote them).
//
// Example:
//
//	log := zerolog.New(logtext.New(os.Stderr)).Level(zerolog.InfoLevel)
//	log.Info().Str("rule", "KnockSSH_192.0.2.7_22").Msg("open")
package logtext
