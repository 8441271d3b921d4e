package daemon

import (
	"errors"
	"net/netip"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/pkg/door"
	"github.com/uciknock/uciknock/pkg/knock"
)

// actor turns completed sequences into door changes and commands.
type actor struct {
	log      zerolog.Logger
	keeper   *door.Keeper
	commands *commands
	// mismatched holds the (sequence, source) pairs whose forward was
	// refused for crossing address families, so each is logged once.
	// Bounded: cleared when full.
	mu         sync.Mutex // guards mismatched
	mismatched map[mismatchKey]struct{}
}

type mismatchKey struct {
	seq string
	src netip.Addr
}

// maxMismatched bounds actor.mismatched (spoofed sources must not grow it).
const maxMismatched = 1024

// act runs from the matcher, with its lock held or (after storing a
// one-time/TOTP use) without it: everything here only queues work (the
// keeper batches, commands run on their own goroutines).
func (a *actor) act(cfg *config.Config, seq *config.Sequence, ev knock.Event, unstored error) {
	src := sourceOf(ev.Src)
	var openErr error
	opens := seq.Action == config.ActionOpen || seq.Action == config.ActionForward
	if opens && unstored == nil {
		// The door before the log line: the client's next packet may
		// already be on its way.
		openErr = a.keeper.Open(doorFor(seq, src, ev.Time))
	}
	log := a.log.With().Str("sequence", seq.Path).Str("src", src.String()).Str("action", seq.Action.String()).Logger()
	if unstored != nil {
		// The one-time/TOTP use could not be stored: acting could allow a
		// replay after a restart, so fail closed.
		log.Error().Err(unstored).Msg("sequence completed but its use could not be recorded; not acting")
		return
	}
	log.Info().Msg("sequence completed")
	switch seq.Action {
	case config.ActionOpen, config.ActionForward:
		switch err := openErr; {
		case errors.Is(err, door.ErrFamilyMismatch):
			// Expected (docs/configuration.md): a forward to an IPv4 host
			// knocked over IPv6, or the other way round. Said once per
			// sequence and source, not at every knock.
			if a.firstMismatch(seq.Path, src) {
				log.Warn().Str("dest_ip", seq.DestIP.String()).
					Msg("forward not opened: knocked from the other address family than dest_ip (DNAT cannot cross families); knock over the same family as dest_ip")
			}
		case err != nil:
			log.Error().Err(err).Msg("cannot open door")
		}
	case config.ActionClose, config.ActionUnforward:
		a.keeper.CloseFor("closed by knock sequence "+seq.Path, seq.Name, src, seq.Port)
	case config.ActionCommand:
		a.commands.start(seq, src)
	}
}

// firstMismatch reports whether this is the first family mismatch of the
// sequence and source since the set was last cleared.
func (a *actor) firstMismatch(seq string, src netip.Addr) bool {
	k := mismatchKey{seq, src}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, seen := a.mismatched[k]; seen {
		return false
	}
	if a.mismatched == nil || len(a.mismatched) >= maxMismatched {
		a.mismatched = make(map[mismatchKey]struct{})
	}
	a.mismatched[k] = struct{}{}
	return true
}

// doorFor builds the door an open or forward sequence asks for.
func doorFor(seq *config.Sequence, src knockAddr, now time.Time) door.Door {
	d := door.Door{
		Kind:         door.Rule,
		Prefix:       seq.Name,
		Sequence:     seq.Path, // the UCI section: open and close share Name
		Src:          src,
		Proto:        string(seq.Proto),
		Port:         seq.Port,
		SrcZone:      seq.SrcZone,
		Opened:       now,
		KillSessions: seq.KillSessions,
	}
	if seq.Action == config.ActionForward {
		d.Kind = door.Redirect
		d.DestZone = seq.DestZone
		d.DestIP = seq.DestIP
		d.DestPort = seq.DestPort
	}
	if seq.Timeout > 0 {
		d.Expires = now.Add(seq.Timeout)
	}
	return d
}
