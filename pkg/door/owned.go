package door

import (
	"time"

	"github.com/uciknock/uciknock/uci"
)

// Owned reports whether s is a door section written by uciknock (its id,
// see SectionName, or an earlier version's MarkerOption) and when it
// expires (zero: never). It accepts doors a user edited, which DoorFromSection rejects, so
// that `uciknockd status` and `uciknockd purge` see every door we own.
func Owned(s *uci.Section) (expires time.Time, ok bool) {
	exp, _, ok := owned(s)
	return exp, ok
}
