package door

import (
	"crypto/sha256"
	"sort"
	"time"
)

// state is the keeper's desired world and its schedule (doc.go draws
// it). Only the Run goroutine touches it, so it has no lock.
type state struct {
	// started: the config has been read once and its doors adopted.
	// Until then only the adopt job runs (a write must never remove
	// doors we have not seen).
	started bool

	// The jobs. Each runs when it is due; a failed one retries after
	// its own backoff.
	adopt  job // read the config once and take over its doors
	check  job // re-read the file: it changed behind us (inotify)
	write  job // reconcile the file with doors (opens, closes, expiries, repairs)
	reload job // check + reload the firewall after a write changed it

	doors map[string]*entry // desired doors by section id
	tombs map[string]tomb   // doors we took away, for the reason in events
	seq   uint64            // open order

	lastHash [sha256.Size]byte
	lastErr  string // last read error reported, to report each once
	target   string // the file the Store used last (see followTarget)

	reloaded  time.Time  // when the last reload succeeded
	unchecked *changeset // our changes since the last check that passed
	kills     []Door     // closed doors whose sessions die after the reload
}

// job is one kind of work of the keeper: when it is next due (zero: not
// scheduled) and the backoff of its failures.
type job struct {
	due     time.Time
	backoff time.Duration
}

// asap is a due time that has passed whatever the clock says.
var asap = time.Unix(0, 0)

// scheduled reports whether the job is due at some time.
func (j *job) scheduled() bool { return !j.due.IsZero() }

// ready reports whether the job is due at now.
func (j *job) ready(now time.Time) bool { return j.scheduled() && !now.Before(j.due) }

// ask schedules the job at t unless it is scheduled already (possibly
// later, when a backoff runs: the backoff is kept).
func (j *job) ask(t time.Time) {
	if !j.scheduled() {
		j.due = t
	}
}

// done unschedules the job after it succeeded and resets its backoff.
func (j *job) done() { j.due, j.backoff = time.Time{}, 0 }

// retry schedules the job again after a failure at now: its backoff
// doubles within [lo, hi]. It returns the new due time.
func (j *job) retry(now time.Time, lo, hi time.Duration) time.Time {
	switch {
	case j.backoff == 0:
		j.backoff = lo
	case j.backoff < hi:
		j.backoff *= 2
	}
	if j.backoff > hi {
		j.backoff = hi
	}
	j.due = now.Add(j.backoff)
	return j.due
}

// entry is one desired door.
type entry struct {
	door Door
	name string // firewall rule name, for events
	seq  uint64
	// partial: adopted at start-up from a section that no longer reads
	// back as a door (user edit, shortened name). Its expiry is honoured
	// but it is never written again.
	partial bool
	// written is when we last appended the section; zero: not yet.
	written time.Time
	// seen: a read of the file showed the section after we wrote it (or
	// it was adopted from the file at start-up). Whoever removes it now
	// could have seen it too: a deletion, never re-added (Readd only
	// covers a racing writer that committed text older than our write).
	seen bool
	// refreshed: an Open moved the expiry since the last write.
	refreshed bool
	// fileExp, when set, is the expiry the file keeps, a little earlier
	// than door.Expires, which is in the kernel (cheap refresh); zero:
	// the file carries door.Expires.
	fileExp time.Time
	// kernelOff: the section was edited by a user, so the door is kept
	// out of the fast path (see syncKernel).
	kernelOff bool
}

// fileExpires is the expiry the file should carry for the door.
func (e *entry) fileExpires() time.Time {
	if !e.fileExp.IsZero() {
		return e.fileExp
	}
	return e.door.Expires
}

// closeEnough reports whether a stored expiry may stay in the file when
// the door now expires at exp after a refresh: it is not later than exp
// (a door may close early after a restart, never late) and off by at
// most 10 % of the timeout, and at least 60 s.
func closeEnough(stored, exp time.Time, timeout time.Duration) bool {
	if stored.IsZero() || exp.IsZero() || stored.After(exp) {
		return false
	}
	slack := timeout / 10
	if slack < time.Minute {
		slack = time.Minute
	}
	return exp.Sub(stored) <= slack
}

// tomb remembers why a door went away.
type tomb struct {
	kind   EventKind // EventClose, EventExpire, EventRollback ...
	reason string
	door   Door
	at     time.Time
	// reported: the removal was reported once; a later copy of the
	// section in the file is a reappearance.
	reported bool
}

const (
	tombKeep = time.Hour
	tombMax  = 4096
)

func (s *state) init() {
	s.doors = make(map[string]*entry)
	s.tombs = make(map[string]tomb)
	s.adopt.due = asap
}

// noteChange schedules a re-read of the file one batch window after a
// change notification, so a burst of events costs one read.
func (s *state) noteChange(now time.Time, batch time.Duration) {
	if !s.started {
		s.adopt.due = now // the config may read now: try again at once
		return
	}
	s.check.ask(now.Add(batch))
}

func (s *state) nextExpiry() time.Time {
	var next time.Time
	for _, e := range s.doors {
		x := e.door.Expires
		if !x.IsZero() && (next.IsZero() || x.Before(next)) {
			next = x
		}
	}
	return next
}

func (s *state) expiryDue(now time.Time) bool {
	x := s.nextExpiry()
	return !x.IsZero() && !now.Before(x)
}

func (s *state) orderedIDs() []string {
	ids := make([]string, 0, len(s.doors))
	for id := range s.doors {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return s.doors[ids[i]].seq < s.doors[ids[j]].seq })
	return ids
}

func (s *state) bury(id string, t tomb) {
	s.tombs[id] = t
	if len(s.tombs) <= tombMax {
		return
	}
	for k, v := range s.tombs {
		if t.at.Sub(v.at) > tombKeep || len(s.tombs) > tombMax {
			delete(s.tombs, k)
		}
	}
}

// markSeen notes the desired doors a read of the file showed.
func (s *state) markSeen(cs *changeset) {
	for _, id := range cs.present {
		if e := s.doors[id]; e != nil {
			e.seen = true
		}
	}
}
