package knock

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// This file is the one home of the knock grammar, "port[:proto]" items in
// sequences: the daemon's config, knockd.conf and one-time files, the
// client's arguments and config, and the one-time records all parse and
// format steps here.

// ParseStep parses knockd's "port[:proto]" (proto tcp or udp, any case;
// TCP when absent). Blanks around the port and the protocol are trimmed
// here, once, for every caller (config lists, knockd.conf, the client's
// arguments). Unlike knockd, which turns garbage into port 0 through atoi,
// anything but a decimal port in 1..65535 is an error (ParsePort).
func ParseStep(s string) (Step, error) {
	portText, protoText, hasProto := strings.Cut(s, ":")
	st := Step{Proto: ProtoTCP}
	if hasProto {
		p, err := ParseProto(strings.TrimSpace(protoText))
		if err != nil {
			return Step{}, fmt.Errorf("knock %q: %w", s, err)
		}
		st.Proto = p
	}
	n, err := ParsePort(strings.TrimSpace(portText))
	if err != nil {
		return Step{}, fmt.Errorf("knock %q: %w", s, err)
	}
	st.Port = n
	return st, nil
}

// ParsePort parses a port number: decimal digits only (no sign, no
// blanks), 1..65535 (0 is never a usable port). Its errors are the one
// wording of a bad port in the daemon's config, the client and the
// knockd.conf import.
func ParsePort(s string) (uint16, error) {
	if s == "" {
		return 0, errors.New("missing port")
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("port %q is not a decimal number", s)
		}
	}
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("port %s out of range (1-65535)", s)
	}
	return uint16(n), nil
}

// ParseSteps parses a knockd sequence: comma-separated ParseStep items, at
// most MaxSteps of them. Errors name the 1-based position of the bad item.
func ParseSteps(s string) ([]Step, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("empty knock sequence")
	}
	items := strings.Split(s, ",")
	if len(items) > MaxSteps {
		return nil, fmt.Errorf("too many knocks in sequence (%d, at most %d)", len(items), MaxSteps)
	}
	steps := make([]Step, 0, len(items))
	for i, item := range items {
		st, err := ParseStep(item)
		if err != nil {
			return nil, fmt.Errorf("knock %d: %w", i+1, err)
		}
		steps = append(steps, st)
	}
	return steps, nil
}

// ParseProto accepts "tcp" or "udp" in any case, like knockd's sequence
// grammar.
func ParseProto(s string) (Proto, error) {
	if s == "" {
		return 0, errors.New("empty protocol (want tcp or udp)")
	}
	lower := strings.ToLower(s)
	for _, n := range protoNames {
		if n.name == lower {
			return n.proto, nil
		}
	}
	return 0, fmt.Errorf("unknown protocol %q (want tcp or udp)", s)
}

// FormatSteps renders steps as "7000:tcp,8000:udp", the canonical form that
// ParseSteps reads back and that one-time consumption records use as key.
func FormatSteps(steps []Step) string { return formatSteps(steps, ",", true) }

// FormatStepsShort renders steps as a person writes them, the protocol
// only for UDP, separated by sep: "7000 8000:udp" for a UCI option,
// "7000,8000:udp" in messages. ParseStep reads each item back.
func FormatStepsShort(steps []Step, sep string) string { return formatSteps(steps, sep, false) }

func formatSteps(steps []Step, sep string, tcp bool) string {
	var b strings.Builder
	for i, st := range steps {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(strconv.Itoa(int(st.Port)))
		if tcp || st.Proto != ProtoTCP {
			b.WriteByte(':')
			b.WriteString(st.Proto.String())
		}
	}
	return b.String()
}
