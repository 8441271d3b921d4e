package knock

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Proto is an IP protocol number; only TCP and UDP carry knocks.
type Proto uint8

// The protocols a knock can use (IANA protocol numbers, as in the IP header).
const (
	ProtoTCP Proto = 6
	ProtoUDP Proto = 17
)

// String returns "tcp", "udp", or "proto(N)" for anything else.
func (p Proto) String() string {
	switch p {
	case ProtoTCP:
		return "tcp"
	case ProtoUDP:
		return "udp"
	}
	return "proto(" + strconv.Itoa(int(p)) + ")"
}

// ParseProto accepts "tcp" or "udp" in any case, like knockd's sequence
// grammar.
func ParseProto(s string) (Proto, error) {
	switch strings.ToLower(s) {
	case "tcp":
		return ProtoTCP, nil
	case "udp":
		return ProtoUDP, nil
	case "":
		return 0, errors.New("empty protocol (want tcp or udp)")
	}
	return 0, fmt.Errorf("unknown protocol %q (want tcp or udp)", s)
}

// TCP header flag bits, with the values they have in byte 13 of the TCP
// header, so a decoder can copy that byte (masked) into Knock.TCPFlags.
const (
	FlagFIN uint8 = 0x01
	FlagSYN uint8 = 0x02
	FlagRST uint8 = 0x04
	FlagPSH uint8 = 0x08
	FlagACK uint8 = 0x10
	FlagURG uint8 = 0x20
)

// flagNames is in knockd's order; ParseTCPFlags and FlagRule.String use it.
var flagNames = [...]struct {
	name string
	bit  uint8
}{
	{"fin", FlagFIN}, {"syn", FlagSYN}, {"rst", FlagRST},
	{"psh", FlagPSH}, {"ack", FlagACK}, {"urg", FlagURG},
}

// Knock is one packet that reached a knock port, as decoded by pkg/capture.
type Knock struct {
	Src, Dst netip.Addr
	Proto    Proto
	Port     uint16 // destination port
	TCPFlags uint8  // TCP header byte 13; zero for UDP
	Time     time.Time
}

// FlagRule is knockd's tcpflags condition: every Require bit must be set and
// every Forbid bit must be clear; other bits are ignored (a subset match, so
// "syn" also matches SYN+ACK). The zero FlagRule matches every segment.
type FlagRule struct{ Require, Forbid uint8 }

// Match reports whether TCP flags f satisfy the rule.
func (r FlagRule) Match(f uint8) bool {
	return f&r.Require == r.Require && f&r.Forbid == 0
}

// String renders the rule in the syntax ParseTCPFlags reads ("syn,!ack");
// the zero rule renders as "".
func (r FlagRule) String() string {
	var b strings.Builder
	for _, f := range flagNames {
		var s string
		switch {
		case r.Require&f.bit != 0:
			s = f.name
		case r.Forbid&f.bit != 0:
			s = "!" + f.name
		default:
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s)
	}
	return b.String()
}

// ParseTCPFlags parses knockd's tcpflags value: a comma-separated list of
// fin, syn, rst, psh, ack, urg (any case), each optionally prefixed by "!".
// The last mention of a flag wins ("syn,!syn" forbids SYN), as in knockd.
// Like knockd, items are not trimmed: "syn, ack" is an error. The empty
// string is the zero rule (flags ignored).
func ParseTCPFlags(s string) (FlagRule, error) {
	var r FlagRule
	if s == "" {
		return r, nil
	}
	for _, item := range strings.Split(s, ",") {
		name, neg := strings.CutPrefix(item, "!")
		bit := uint8(0)
		for _, f := range flagNames {
			if strings.EqualFold(name, f.name) {
				bit = f.bit
				break
			}
		}
		if bit == 0 {
			if strings.TrimSpace(item) != item {
				return FlagRule{}, fmt.Errorf("tcpflags %q: flag %q has spaces around it (knockd does not trim them)", s, item)
			}
			return FlagRule{}, fmt.Errorf("tcpflags %q: unknown flag %q (want fin, syn, rst, psh, ack or urg, optionally with !)", s, item)
		}
		if neg {
			r.Require &^= bit
			r.Forbid |= bit
		} else {
			r.Forbid &^= bit
			r.Require |= bit
		}
	}
	return r, nil
}

// MaxSteps is the longest sequence accepted, knockd's SEQ_MAX.
const MaxSteps = 32

// Step is one knock of a sequence: a destination port and protocol.
type Step struct {
	Port  uint16
	Proto Proto
}

// String renders the step as "port:proto", which ParseStep reads back.
func (s Step) String() string {
	return strconv.Itoa(int(s.Port)) + ":" + s.Proto.String()
}

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

// Port is a (protocol, port) pair the capture filter must pass.
type Port struct {
	Proto Proto
	Port  uint16
}

// String renders the port as "port:proto".
func (p Port) String() string { return Step{Port: p.Port, Proto: p.Proto}.String() }
