// Package door is what a completed knock sequence does to the firewall:
// it writes "doors" — a `config rule` that accepts one source on one
// port (open), or a `config redirect` that forwards one source to a LAN
// host (forward) — into /etc/config/firewall, reloads fw4/fw3, and takes
// them away again on a close sequence or when their timeout runs out,
// even across restarts, crashes and other writers.
//
// Sections. A door is a named section: id SectionPrefix + the sanitised
// rule name + a hash (Door.ID), `option name` Prefix_IP_port (shortened
// predictably when fw4 could not load it, Door.FwName), src zone,
// src_ip, a concrete proto (tcp, udp or "tcp udp", never all), the port,
// family, target ACCEPT or DNAT with reflection '0', the kernel-side
// stop_date backstop. The expiry is recorded in the id itself
// (SectionName: `…_<hash>_e<unix>[k]`), atomic with the section and
// silent in fw4 and fw3 (an unknown option would make both warn on
// every reload). A section is ours only with that id shape; nothing else
// in the file is ever touched. Sections with the `option uciknock`
// marker of earlier versions are still ours and are converted.
//
// Keeper. Open and Close only queue; Run collects everything within a
// batch window into one Store.Update and one check + reload (at most
// one at a time, retried with backoff, our change taken back if the
// check fails because of it), times expiries, and reconciles the file
// whenever it changes: fail-closed, a door we closed that reappears is
// removed again; a fresh door lost to a racing writer is written again;
// a user's edit of a door (disabled, other port) is kept, only its
// expiry is ours.
//
// The keeper's states and jobs. Open and Close touch only the batch
// (and, with Config.Kernel, the kernel: at once). Everything else is
// done by the Run goroutine, one job at a time, in this order on each
// tick; each job has its own due time and its own backoff (state.go):
//
//	         New
//	          │
//	          ▼       read fails: adopt.backoff, retry
//	     ┌─────────┐ ◄──────────┐ (an inotify change retries at once)
//	     │ adopting├────────────┘
//	     └────┬────┘ config reads: doors adopted (live ones into the
//	          │      kernel again), write and reload due now
//	          ▼
//	     ┌─────────┐   ctx done   ┌──────────┐  pending closes written,
//	     │ running ├─────────────►│ draining ├─► reload if owed (5 s) ─► Run returns
//	     └─────────┘              └──────────┘
//
//	running, per tick:
//
//	Recheck (clock jump, zone) ───────────────────────────┐
//	inotify ─► check (a batch later): read; bytes new?    │
//	             reconcile ─► kernel sync, seen marks;    │
//	             file off the doors? ─────────────────────┤
//	Open/Close ─► batch (window Batch) ───────────────────┤
//	expire: a door's Expires within a window ─────────────┤
//	                                                      ▼
//	 write: doors ± ops ± expiries; Store.Update(reconcile(file, desired, now))
//	    │ fails: write.backoff          │ ok
//	    ▼                               ▼
//	 (retried; nothing reported       settle: events, seen marks, tombs,
//	  as done)                        kills queued; kernel sync; publish
//	                                    │ file changed
//	                                    ▼   (at most one per Batch)
//	 reload: Reload ─ ok ─► unchecked cleared, Kernel.Reloaded, kills run
//	    │ fails
//	    ▼
//	 Check ─ fails ─► rollback our unchecked change ─ Check ok ─► Reload
//	    │                                          └─ still fails: doors back
//	    └──── passes, or not ours ─► reload.backoff, retry
//
// reconcile is pure (no I/O, no clock, no keeper state written): the
// file and the desired doors in, the file edited and a changeset out;
// settle applies the changeset to the keeper's state afterwards. The
// kernel sync keeps the fast path no wider than the file: a door a user
// disabled or edited leaves the kernel and returns when put back.
//
// What it does not do: parse or validate the knock config (pkg/config),
// run start/stop commands (pkg/command), detect or run fw4/fw3
// (pkg/fwreload), delete conntrack entries (pkg/conntrack), know the
// router's time zone (pkg/localtime), or log. Those come in through
// the Store, Reloader, SessionKiller, TimeLimit and Events of Config.
//
// Example (cmd/ wires the real implementations):
//
//	k, err := door.New(door.Config{
//		Store:    &uci.File{Path: "/etc/config/firewall", OverrideDir: "/var/run/uci", Package: "firewall"},
//		Reloader: fw, // *fwreload.Firewall
//		Limit:    door.TimeLimit{Local: zone.StopDate},
//		Sessions: killer,
//		Changes:  watch.Changes(),
//		Events:   func(e door.Event) { log.Info().Str("event", e.Kind.String()).Str("rule", e.Name).Msg(e.Reason) },
//	})
//	...
//	go k.Run(ctx)
//	err = k.Open(door.Door{Kind: door.Rule, Prefix: "KnockSSH", Src: src, Port: 22,
//		Opened: now, Expires: now.Add(30 * time.Second)})
//
// See docs/doors.md for the policy in full.
package door
