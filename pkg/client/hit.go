package client

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/uciknock/uciknock/pkg/knock"
)

// Proto is the transport protocol of one knock: the engine's own type, so
// both sides of a knock use one definition.
type Proto = knock.Proto

// The two knock protocols.
const (
	TCP = knock.ProtoTCP
	UDP = knock.ProtoUDP
)

// Hit is one knock: a destination port and the protocol to send it with.
// It is the engine's Step, so String gives the same `port:proto` text.
type Hit = knock.Step

// ParseHit parses one `port[:proto]` argument: port is 1..65535 written in
// decimal, proto is tcp or udp in any case, and TCP is the default.
//
// knock itself turns an unknown suffix (`7000:UDP`, `7000:foo`) into TCP
// and sends port 70000 as 4464; both are errors here, because a knock that
// silently goes to the wrong port or protocol just never opens the door.
func ParseHit(s string) (Hit, error) {
	port, proto, hasProto := strings.Cut(s, ":")
	h := Hit{Proto: TCP}
	if hasProto {
		switch strings.ToLower(proto) {
		case "tcp":
		case "udp":
			h.Proto = UDP
		case "":
			return Hit{}, fmt.Errorf("knock %q: empty protocol after ':' (want tcp or udp)", s)
		default:
			return Hit{}, fmt.Errorf("knock %q: unknown protocol %q (want tcp or udp)", s, proto)
		}
	}
	n, err := ParsePort(port)
	if err != nil {
		return Hit{}, fmt.Errorf("knock %q: %w", s, err)
	}
	h.Port = n
	return h, nil
}

// ParsePort parses a decimal port number in 1..65535.
func ParsePort(s string) (uint16, error) {
	if s == "" {
		return 0, fmt.Errorf("empty port")
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("port %q is not a number (want 1-65535)", s)
		}
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n > 65535 {
		return 0, fmt.Errorf("port %s out of range (want 1-65535)", s)
	}
	if n == 0 {
		return 0, fmt.Errorf("port 0 cannot be knocked (want 1-65535)")
	}
	return uint16(n), nil
}

// ParseHits parses a comma-separated list of `port[:proto]` entries, the
// form a client config's `ports` takes (`7000,8000:udp,9000`).
func ParseHits(s string) ([]Hit, error) {
	if s == "" {
		return nil, fmt.Errorf("empty port list")
	}
	parts := strings.Split(s, ",")
	hits := make([]Hit, 0, len(parts))
	for i, p := range parts {
		if p == "" {
			return nil, fmt.Errorf("empty entry %d in port list %q", i+1, s)
		}
		h, err := ParseHit(p)
		if err != nil {
			return nil, err
		}
		hits = append(hits, h)
	}
	return hits, nil
}
