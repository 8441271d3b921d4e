package door

import (
	"net/netip"
	"strconv"
	"time"
)

// EventKind says what happened to a door or to the firewall.
type EventKind int

const (
	// EventOpen: a new door was written to the firewall config.
	EventOpen EventKind = iota
	// EventRefresh: an open door was opened again; its expiry moved.
	EventRefresh
	// EventClose: a close sequence removed the door.
	EventClose
	// EventExpire: the door's timeout ran out and it was removed.
	EventExpire
	// EventRemoved: reconcile removed one of our sections that should
	// not be there (it reappeared after a close or expiry, e.g. by a
	// LuCI rollback, or is unknown to this run), or dropped a door that
	// another writer deleted (Reason says which).
	EventRemoved
	// EventReadded: a fresh door lost to a racing writer was written
	// again.
	EventReadded
	// EventRestored: our expiry options on a door were put back after
	// another writer changed them.
	EventRestored
	// EventRollback: fw4 check failed after our change and passed once
	// it was taken back; the door was not opened (Err has the check
	// failure).
	EventRollback
	// EventReload: the firewall was reloaded after our change.
	EventReload
	// EventReloadFailed: a check or reload failed; it is retried with
	// backoff (Retry).
	EventReloadFailed
	// EventSessionsKilled: conntrack entries of a closed door were
	// deleted (Count), or deleting them failed (Err).
	EventSessionsKilled
	// EventError: the keeper could not do something (Err), for example
	// the firewall config does not parse, so nothing was written.
	EventError
)

var eventNames = [...]string{"open", "refresh", "close", "expire", "removed", "readded",
	"restored", "rollback", "reload", "reload-failed", "sessions-killed", "error"}

// String returns a short lowercase name ("open", "expire", ...).
func (k EventKind) String() string {
	if k >= 0 && int(k) < len(eventNames) {
		return eventNames[k]
	}
	return "event(" + strconv.Itoa(int(k)) + ")"
}

// Event is what the keeper reports to cmd/ for logging. Door events
// (open, refresh, close, expire, removed, readded, restored, rollback,
// sessions-killed) carry the door; firewall events do not.
type Event struct {
	Kind EventKind
	Time time.Time
	// Sequence, Src and Name (the firewall rule name) describe the door;
	// Section is its UCI section id. Sequence may be empty for doors
	// found in the config at start-up.
	Sequence string
	Src      netip.Addr
	Name     string
	Section  string
	// Reason says why, in words fit for a log line.
	Reason string
	// Err is the underlying failure, if any.
	Err error
	// Retry is when a failed reload is tried again.
	Retry time.Time
	// Count is the number of doors a reload applied or of sessions killed.
	Count int
}
