package knock

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/uciknock/uciknock/pkg/totp"
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
	for _, n := range protoNames {
		if n.proto == p {
			return n.name
		}
	}
	return "proto(" + strconv.Itoa(int(p)) + ")"
}

// protoNames is the one table of protocol names: Proto.String writes
// them, ParseProto reads them.
var protoNames = [...]struct {
	proto Proto
	name  string
}{{ProtoTCP, "tcp"}, {ProtoUDP, "udp"}}

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

// MaxSteps is the longest sequence accepted, knockd's SEQ_MAX: the
// longest TOTP sequence too.
const MaxSteps = totp.MaxLength

// Step is one knock of a sequence: a destination port and protocol.
type Step struct {
	Port  uint16
	Proto Proto
}

// String renders the step as "port:proto", which ParseStep reads back.
func (s Step) String() string {
	return strconv.Itoa(int(s.Port)) + ":" + s.Proto.String()
}

// Port is a (protocol, port) pair the capture filter must pass.
type Port struct {
	Proto Proto
	Port  uint16
}

// String renders the port as "port:proto".
func (p Port) String() string { return Step{Port: p.Port, Proto: p.Proto}.String() }
