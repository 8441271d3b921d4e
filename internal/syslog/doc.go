// Package syslog sends zerolog events to the local syslog socket
// (/dev/log: logd on OpenWrt), one datagram per event in the form
// syslog(3) sends, at the priority of the event's level, facility daemon,
// tag uciknockd, with the same text the daemon writes to stderr
// (internal/logtext) minus the level word. A line syslog refuses goes to
// a fallback writer (stderr, which procd forwards too).
//
// It exists instead of log/syslog, whose net.Dial links Go's DNS resolver
// into the router binary for a socket that is always a local path. It
// does not do remote syslog, TCP, or RFC 5424 structured data.
//
// Example:
//
//	w, err := syslog.Dial("", os.Stderr) // "" is DefaultPath
//	if err != nil { ... }
//	log := zerolog.New(w)
package syslog
