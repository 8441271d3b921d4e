// Package knock is the port-knock engine: a pure state machine that takes
// decoded knock packets (Knock) and reports the sources that completed a
// configured Sequence (Event).
//
// The engine does no I/O of its own, starts no goroutines, never logs and
// never reads the clock: the time is the Knock's Time (or the now argument
// of Ports, NextChange and Expire). New loads the Consumed stores of
// one-time and TOTP sequences; a use is stored by the caller (Use.Store),
// never inside Handle. It does not
// capture packets (pkg/capture) or open doors (pkg/door). An Engine is not
// safe for concurrent use; the daemon feeds it from one goroutine.
//
// # Matching (knockd-compatible)
//
// Per source address (IPv4-mapped IPv6 is the IPv4 source) and per sequence:
//
//   - A knock matching the next step advances the attempt; the last step
//     completes it (an Event), and the attempt starts over.
//   - A knock to the first step with no attempt in progress starts one. A
//     wrong knock that is itself the first step restarts at step 1 (knockd
//     only kills the attempt and needs one more knock).
//   - Any other knock to a port of the sequence (a wrong port, a repeated
//     knock) resets the attempt, as in knockd. Knocks to ports of other
//     sequences do not: each source progresses through every sequence
//     independently, so sequences may share ports and prefixes. With
//     Sequence.TolerateRepeat (opt-in), an exact repeat of the knock that
//     last advanced the attempt is ignored instead.
//   - A TCP knock whose flags do not match the sequence's FlagRule is
//     ignored for that sequence: it neither advances, resets nor starts an
//     attempt (knockd's tcpflags). UDP steps ignore flags.
//   - Timeout is counted from the first knock, with nanosecond precision:
//     the last knock must come before start+Timeout. Expiry is lazy (on the
//     source's next knock), plus Expire for tidying.
//
// # Bounded memory and the eviction policy
//
// All tables are allocated by New and never grow; Handle does not allocate.
// State lives in two tables:
//
//   - The probation ring (Config.FirstCapacity slots, default 32768, 44
//     bytes each: 1.38 MiB) holds sources that are only at stage 1. It is
//     a FIFO: every insertion overwrites the oldest slot, so an entry
//     survives at least FirstCapacity-1 later first knocks, whatever they
//     are. At a flood rate R a legitimate client may wait FirstCapacity/R
//     between its first and second knock: 164 ms at 200,000 packets/s,
//     65 ms at 500,000.
//   - The tracked table (Config.Capacity sources, default 4096; 46 + 9×L
//     bytes per source, L = number of sequence lines, each TOTP sequence
//     counting 3) holds sources that reached stage 2 of some sequence.
//     First knocks never enter it, so a flood of first knocks cannot evict a
//     source that progressed. When it is full, a newcomer at stage k takes
//     the slot of a source whose attempts all timed out if one is at the
//     head of a level list, else of the least recently active source at
//     the lowest stage, provided that stage is at most k; otherwise the
//     newcomer's progress is dropped (Stats.Refused).
//
// Limits: an attacker who knows the first k ports of a sequence can spoof
// sources that reach stage k and compete, least recently active first, with
// legitimate sources at stage k or below, never with those further on. An
// attacker who spoofs a client's own address can reset its attempt (knockd
// has the same weakness; it is inherent to unauthenticated knocks).
//
// # One-time and TOTP sequences
//
// A one-time sequence (knockd's one_time_sequences) accepts only the first
// of its OneTime lists not yet used; completing it marks the list used in
// memory and returns the new record in Event.Use. The engine does no I/O:
// the caller stores the record with Use.Store (FileConsumed writes
// atomically) outside its lock, and acts on the Event only once Store has
// returned nil, so a restart does not accept the list again and a failed
// store fails closed. When all are used the sequence is disabled.
//
// A TOTP sequence accepts the knocks derived by totp.Ports for time steps
// C-1, C and C+1, C being the current step. Once a step is used, it and all
// earlier steps are refused, also after a restart when Consumed is set: a
// recorded sequence cannot be replayed. Ports returns the ports of the
// current window; NextChange says when it changes.
//
// Example:
//
//	e, err := knock.New(knock.Config{Sequences: []knock.Sequence{{
//		Name:  "ssh",
//		Steps: []knock.Step{{Port: 7000, Proto: knock.ProtoTCP}, {Port: 8000, Proto: knock.ProtoUDP}},
//		Flags: knock.FlagRule{Require: knock.FlagSYN, Forbid: knock.FlagACK},
//	}}})
//	if err != nil { ... }
//	filterPorts := e.Ports(now) // for pkg/capture
//	var events []knock.Event
//	for k := range knocks {
//		events = e.Handle(k, events[:0])
//		for _, ev := range events { open(ev.Name, ev.Src) }
//	}
package knock
