package client

import (
	"fmt"
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

// ParseHit parses one `port[:proto]` argument with the daemon's grammar
// (knock.ParseStep): port is 1..65535 written in decimal, proto is tcp or
// udp in any case, and TCP is the default.
//
// knock itself turns an unknown suffix (`7000:UDP`, `7000:foo`) into TCP
// and sends port 70000 as 4464; both are errors here, because a knock that
// silently goes to the wrong port or protocol just never opens the door.
func ParseHit(s string) (Hit, error) { return knock.ParseStep(s) }

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
