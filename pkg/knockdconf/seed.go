package knockdconf

import (
	"fmt"
	"net/netip"
	"path"
	"strings"

	"github.com/uciknock/uciknock/pkg/command"
	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/pkg/door"
	"github.com/uciknock/uciknock/pkg/knock"
)

// The verbs of the seed's uciknockd.sh, with the number of arguments each
// reads after the verb:
//
//	uciknockd.sh open-port           PREFIX SRC_IP DEST_PORT
//	uciknockd.sh close-port          PREFIX SRC_IP DEST_PORT
//	uciknockd.sh forward-port        PREFIX SRC_IP SRC_DPORT DEST_IP DEST_PORT
//	uciknockd.sh remove-forward-port PREFIX SRC_IP SRC_DPORT
//
// It names each section "$PREFIX_$SRC_IP_$PORT" (PORT = DEST_PORT for a
// rule, SRC_DPORT for a redirect), with src 'wan', proto 'tcp', target
// ACCEPT or DNAT and, for redirects, dest 'lan' — exactly uciknockd's door
// name and defaults.
var seedVerbs = map[string]struct {
	action config.Action
	args   int
}{
	"open-port":           {config.ActionOpen, 3},
	"close-port":          {config.ActionClose, 3},
	"forward-port":        {config.ActionForward, 5},
	"remove-forward-port": {config.ActionUnforward, 3},
}

// seedCall is a call of the seed script that maps to a native action.
type seedCall struct {
	action   config.Action
	prefix   string
	port     uint16 // dest_port (open, close) or src_dport (forward, unforward)
	destIP   netip.Addr
	destPort uint16
	extra    []string // arguments the script ignores
}

// parseSeedCall recognises a start or stop command that runs the seed's
// uciknockd.sh. It returns (nil, nil) when cmd is not such a call, and an
// error saying why when it is one that cannot become a native action.
func parseSeedCall(cmd string) (*seedCall, error) {
	w := strings.Fields(cmd)
	if len(w) > 1 && (path.Base(w[0]) == "sh" || path.Base(w[0]) == "ash" || path.Base(w[0]) == "bash") {
		w = w[1:]
	}
	if len(w) == 0 || path.Base(w[0]) != "uciknockd.sh" {
		return nil, nil
	}
	if _, err := command.Split(cmd); err != nil || strings.ContainsAny(cmd, "'\"\\*?[~") {
		return nil, fmt.Errorf("the uciknockd.sh call uses shell syntax")
	}
	if len(w) < 2 {
		return nil, fmt.Errorf("uciknockd.sh without a verb")
	}
	verb, ok := seedVerbs[w[1]]
	if !ok {
		return nil, fmt.Errorf("unknown uciknockd.sh verb %q", w[1])
	}
	args := w[2:]
	if len(args) < verb.args {
		return nil, fmt.Errorf("uciknockd.sh %s needs %d arguments, has %d", w[1], verb.args, len(args))
	}
	c := &seedCall{action: verb.action, prefix: args[0], extra: args[verb.args:]}
	if err := door.CheckPrefix(c.prefix); err != nil {
		return nil, fmt.Errorf("prefix: %v", err)
	}
	if args[1] != "%IP%" {
		return nil, fmt.Errorf("the source address argument is %q, not %%IP%%", args[1])
	}
	var err error
	if c.port, err = knock.ParsePort(args[2]); err != nil {
		return nil, err
	}
	if verb.action == config.ActionForward {
		a, err := netip.ParseAddr(args[3])
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("dest_ip %q is not an IP address", args[3])
		}
		c.destIP = a
		if c.destPort, err = knock.ParsePort(args[4]); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// closes reports whether stop undoes open: close-port after open-port
// (or remove-forward-port after forward-port) for the same prefix and port.
func (c *seedCall) closedBy(stop *seedCall) bool {
	want := config.ActionClose
	if c.action == config.ActionForward {
		want = config.ActionUnforward
	}
	return stop != nil && stop.action == want && stop.prefix == c.prefix && stop.port == c.port
}
