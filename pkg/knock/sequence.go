package knock

import (
	"net/netip"
	"time"
)

// DefaultTimeout is knockd's default seq_timeout.
const DefaultTimeout = 25 * time.Second

// Sequence is one configured knock sequence (a knockd door). Exactly one of
// Steps, OneTime and TOTP describes the knocks.
type Sequence struct {
	// Name identifies the sequence in events and errors.
	Name string
	// Steps is a fixed sequence (knockd's "sequence").
	Steps []Step
	// Flags applies to every TCP step (knockd's tcpflags). A TCP knock
	// whose flags do not match is ignored for this sequence: it neither
	// advances nor resets an attempt, as in knockd.
	Flags FlagRule
	// Timeout is knockd's seq_timeout, counted from the first knock;
	// zero means DefaultTimeout.
	Timeout time.Duration
	// OneTime lists knockd's one_time_sequences, used in order: only the
	// first one not yet consumed is accepted, and completing it consumes
	// it. Consumed must be set.
	OneTime [][]Step
	// TOTP derives the steps from a shared secret and the time.
	TOTP *TOTP
	// Target, when valid, accepts only knocks to that destination
	// address (knockd's target); the zero Addr accepts any destination.
	Target netip.Addr
	// TolerateRepeat ignores an exact repeat of the knock that last
	// advanced an attempt (a retransmitted SYN, a client's double SYN)
	// instead of resetting it, as proposed in knockd #72/#90. Off by
	// default, like knockd, which keeps brute-force odds unchanged.
	TolerateRepeat bool
	// Consumed persists which one-time sequences, or which TOTP time
	// steps, have been used, so that a restart does not allow a replay.
	// Required with OneTime; optional (in-memory only) with TOTP.
	Consumed Consumed
}

// TOTP configures a sequence whose ports change every Period (the daemon's
// config and the client check Period, Length and Min..Max against
// pkg/totp's limits; the engine itself accepts any step from 1 s): the knocks
// for time step C are totp.Ports(Secret, C, Length, Min, Max), all with
// protocol Proto. Steps C-1, C and C+1 are accepted (a ±1 step window), and
// a step once used cannot be used again.
type TOTP struct {
	Secret []byte        // shared secret, at least 16 bytes (totp.DecodeSecret)
	Period time.Duration // time step; zero means 30 s (RFC 6238's default)
	Length int           // number of knocks, 1..MaxSteps; zero means totp.DefaultLength (3)
	Min    uint16        // lowest port, inclusive, at least 1
	Max    uint16        // highest port, inclusive
	Proto  Proto         // protocol of every knock; zero means TCP
}

// Consumed stores the set of used one-time sequences (as FormatSteps keys)
// or the last used TOTP step (as "totp:N") for one Sequence. The engine
// keeps the set in memory and calls Store with the whole new set, so an
// implementation writes it atomically.
type Consumed interface {
	// Load returns the stored keys; a store never written returns none.
	Load() ([]string, error)
	// Store durably replaces the stored keys before it returns.
	Store(keys []string) error
}

// Config configures an Engine.
type Config struct {
	Sequences []Sequence
	// Capacity is the number of sources that have progressed past their
	// first knock that are tracked at once; zero means DefaultCapacity.
	Capacity int
	// FirstCapacity is the number of first-knock (probation) entries; a
	// first knock survives at least FirstCapacity-1 later first knocks.
	// Zero means DefaultFirstCapacity.
	FirstCapacity int
}

// Default table sizes: see the package documentation for the memory they
// take and the flood rates they withstand.
const (
	DefaultCapacity      = 4096
	DefaultFirstCapacity = 32768
)
