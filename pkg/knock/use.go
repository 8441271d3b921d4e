package knock

import (
	"fmt"
	"sync"
)

// A Use is a one-time sequence or a TOTP step that a completion used. The
// engine marks it used in memory at once, so no knock after it is accepted
// again, but it does no I/O: the caller makes the use durable with Store,
// outside whatever lock serialises Handle, and acts on the Event only after
// Store returned nil (fail closed: a use that is not stored could be
// replayed after a restart).
type Use struct {
	Sequence string   // the Sequence's Name
	Keys     []string // the whole record after this use, as passed to Consumed.Store
	gen      uint64   // position of this use among its sequence's uses
	rec      *useRecord
}

// useRecord orders the stores of one sequence: Uses may be stored by
// different goroutines in any order, and an older record must never
// overwrite a newer one.
type useRecord struct {
	store Consumed
	mu    sync.Mutex // guards stored; held across store.Store
	// stored is the gen of the newest record written; a Use with an older
	// gen is already durable (records only grow).
	stored uint64
}

// Store makes the use durable: it writes the record unless a newer one of
// the same sequence is already stored. Safe for concurrent use; it may be
// called more than once.
func (u *Use) Store() error {
	r := u.rec
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stored >= u.gen {
		return nil
	}
	if err := r.store.Store(u.Keys); err != nil {
		return fmt.Errorf("knock: sequence %q: recording its use: %w", u.Sequence, err)
	}
	r.stored = u.gen
	return nil
}
