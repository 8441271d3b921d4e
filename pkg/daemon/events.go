package daemon

import (
	"github.com/rs/zerolog"

	"github.com/uciknock/uciknock/pkg/door"
)

// doorEvent logs what the door keeper did: one line per open, refresh,
// close and expiry with the sequence, source and rule name, and why.
func (d *Server) doorEvent(e door.Event) {
	var ev *zerolog.Event
	switch e.Kind {
	case door.EventError, door.EventReloadFailed, door.EventRollback:
		ev = d.log.Error()
	case door.EventRemoved, door.EventReadded, door.EventRestored:
		ev = d.log.Warn()
	case door.EventReload:
		ev = d.log.Debug()
	default:
		ev = d.log.Info()
	}
	if e.Sequence != "" {
		ev = ev.Str("sequence", e.Sequence)
	}
	if e.Src.IsValid() {
		ev = ev.Str("src", e.Src.String())
	}
	if e.Name != "" {
		ev = ev.Str("rule", e.Name)
	}
	if e.Section != "" {
		ev = ev.Str("section", e.Section)
	}
	if e.Count != 0 {
		ev = ev.Int("count", e.Count)
	}
	if !e.Retry.IsZero() {
		ev = ev.Time("retry", e.Retry)
	}
	if e.Err != nil {
		ev = ev.Err(e.Err)
	}
	ev.Str("why", e.Reason).Msg(e.Kind.String())
}
