package config

import (
	"fmt"
	"net/netip"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/uciknock/uciknock/pkg/command"
	"github.com/uciknock/uciknock/pkg/knock"
)

// parseBool accepts the spellings fw4 and libuci's config_get_bool accept.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "1", "on", "true", "yes", "enabled":
		return true, nil
	case "0", "off", "false", "no", "disabled":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (use 1 or 0)", s)
}

// parseDuration reads a whole number with an optional unit (ms, s, m, h,
// d). A bare number is in unit. Fractions and signs are refused: knockd
// silently read "5s" as 5 and "abc" as 0; we say what is wrong instead.
func parseDuration(s string, unit time.Duration) (time.Duration, error) {
	num := strings.TrimRightFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	suffix := s[len(num):]
	if num == "" || strings.IndexFunc(num, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return 0, fmt.Errorf("%q is not a duration (a whole number, optionally with ms, s, m, h or d)", s)
	}
	switch suffix {
	case "":
	case "ms":
		unit = time.Millisecond
	case "s":
		unit = time.Second
	case "m":
		unit = time.Minute
	case "h":
		unit = time.Hour
	case "d":
		unit = 24 * time.Hour
	default:
		return 0, fmt.Errorf("%q has an unknown unit %q (use ms, s, m, h or d)", s, suffix)
	}
	n, err := strconv.ParseUint(num, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return time.Duration(n) * unit, nil
}

// durationIn parses s and checks lo <= d <= hi.
func durationIn(s string, unit, lo, hi time.Duration) (time.Duration, error) {
	d, err := parseDuration(s, unit)
	if err != nil {
		return 0, err
	}
	if d < lo || d > hi {
		return 0, fmt.Errorf("%q is out of range (%s..%s)", s, fmtDur(lo), fmtDur(hi))
	}
	return d, nil
}

// fmtDur writes d in the largest unit parseDuration accepts that holds it
// exactly, so that messages show values a user can type.
func fmtDur(d time.Duration) string {
	units := []struct {
		d time.Duration
		s string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}, {time.Millisecond, "ms"}}
	if d == 0 {
		return "0"
	}
	for _, u := range units {
		if d%u.d == 0 {
			return fmt.Sprintf("%d%s", d/u.d, u.s)
		}
	}
	return d.String()
}

// parseSteps reads one sequence from several values, each of which may
// hold several steps separated by commas or blanks (`7000,8000:udp`,
// `7000 8000`), so that both list entries and knockd-style strings work.
// Each item goes through knock.ParseStep, the one grammar of a knock.
func parseSteps(values []string) ([]knock.Step, error) {
	var steps []knock.Step
	for _, v := range values {
		for _, f := range splitSteps(v) {
			st, err := knock.ParseStep(f)
			if err != nil {
				return nil, err
			}
			steps = append(steps, st)
		}
	}
	if len(steps) == 0 {
		return nil, fmt.Errorf("empty sequence")
	}
	if len(steps) > knock.MaxSteps {
		return nil, fmt.Errorf("%d knocks, at most %d allowed", len(steps), knock.MaxSteps)
	}
	return steps, nil
}

func splitSteps(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
}

// parseTCPFlags reads knockd's tcpflags syntax ("syn,!ack") from one or
// more values. Blanks around the items are allowed (knockd refuses them,
// which helps nobody); the items then go to knock.ParseTCPFlags.
func parseTCPFlags(values []string) (knock.FlagRule, error) {
	var items []string
	for _, v := range values {
		items = append(items, strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })...)
	}
	if len(items) == 0 {
		return knock.FlagRule{}, fmt.Errorf("no flags")
	}
	return knock.ParseTCPFlags(strings.Join(items, ","))
}

// parseProto reads a door protocol: tcp, udp, or both ("tcp udp",
// "tcpudp", or a list of the two).
func parseProto(values []string) (Proto, error) {
	var tcp, udp bool
	for _, v := range values {
		for _, f := range strings.Fields(v) {
			switch strings.ToLower(f) {
			case "tcp":
				tcp = true
			case "udp":
				udp = true
			case "tcpudp":
				tcp, udp = true, true
			default:
				return "", fmt.Errorf("%q is not a door protocol (use tcp, udp or 'tcp udp'; a port needs one of them)", f)
			}
		}
	}
	switch {
	case tcp && udp:
		return ProtoTCPUDP, nil
	case tcp:
		return ProtoTCP, nil
	case udp:
		return ProtoUDP, nil
	}
	return "", fmt.Errorf("empty protocol")
}

// validDevice checks a Linux network device name (IFNAMSIZ-1 = 15 bytes,
// no '/', ':', blanks or control characters, not "." or "..").
func validDevice(s string) error {
	if s == "" || len(s) > 15 || s == "." || s == ".." {
		return fmt.Errorf("%q is not a network or device name (1..15 bytes)", s)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == '/' || c == ':' || c >= 0x7f {
			return fmt.Errorf("%q is not a network or device name (no '/', ':', blanks or control characters)", s)
		}
	}
	return nil
}

// splitCommand checks a command line and splits it into arguments the way
// the daemon will run it (command.Split: no shell, shell syntax refused).
// It must be one line without control characters: UCI values can hold
// newlines, which Split would take as blanks.
func splitCommand(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("empty command")
	}
	for _, r := range s {
		if r < ' ' && r != '\t' || r == 0x7f {
			return nil, fmt.Errorf("command contains a control character (%q)", r)
		}
	}
	return command.Split(s)
}

// validAbsPath checks an absolute, clean path.
func validAbsPath(s string) error {
	if !strings.HasPrefix(s, "/") {
		return fmt.Errorf("%q is not an absolute path", s)
	}
	if path.Clean(s) != s {
		return fmt.Errorf("%q is not a clean path (use %q)", s, path.Clean(s))
	}
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 0x7f {
			return fmt.Errorf("path contains a control character")
		}
	}
	return nil
}

// parseAddr reads a single IP address without zone.
func parseAddr(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("%q is not an IP address", s)
	}
	if a.Is4In6() {
		a = a.Unmap()
	}
	if a.IsUnspecified() || a.IsMulticast() {
		return netip.Addr{}, fmt.Errorf("%s is not a host address", a)
	}
	return a, nil
}
