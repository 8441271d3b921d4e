// Package conntrack deletes connection-tracking entries over netlink, so
// that closing a knock door can also cut the sessions it let in.
//
// Why: fw4 checks `ct state established` before any rule, so a TCP
// session that was accepted while a door was open keeps working after
// the door's rule is removed; closing a door "kicks" the client only if
// its conntrack entries go too (fw4 never flushes conntrack on reload).
//
// What it does: Kill lists the conntrack table of the address family
// (IPCTNL_MSG_CT_GET dump over NETLINK_NETFILTER / NFNL_SUBSYS_CTNETLINK),
// picks the entries whose ORIGINAL direction is from the given source,
// with the given L4 protocol, to the given destination port, and deletes
// each by its exact original tuple and id (IPCTNL_MSG_CT_DELETE). For a
// port forward the original destination port is the outside port
// (src_dport), so the same call serves rules and redirects. Entries that
// vanish in between (timed out, closed) are not errors. Messages are
// built by hand with golang.org/x/sys/unix (nested CTA_TUPLE_ORIG /
// CTA_TUPLE_IP / CTA_IP_V4_SRC ..., CTA_TUPLE_PROTO / CTA_PROTO_NUM /
// CTA_PROTO_DST_PORT, ports in network byte order).
//
// It works in the network namespace of the calling thread (tests switch
// namespaces per thread), needs CAP_NET_ADMIN, and uses one short-lived
// netlink socket per call with a receive timeout, so a call cannot hang.
// A router's table holds at most a few ten thousand entries; one dump is
// cheap next to a firewall reload.
//
// How far a cut goes: after Kill the client's next packet has no entry,
// is NEW, and (the door's rule being gone) fw4's input policy drops it.
// But if the router side sends first, e.g. retransmits data the client
// had not yet acknowledged, the kernel's default mid-stream pickup
// (net.netfilter.nf_conntrack_tcp_loose=1) tracks the session anew from
// the router's side, and the client's packets then pass as replies of an
// established flow: the session survives. With nf_conntrack_tcp_loose=0
// (a router-wide sysctl, the daemon's operator's choice) the cut is
// certain: such packets are never picked up. Both cases are tested.
//
// What it does not: flush whole tables, touch entries in the reply
// direction only, keep state, or log.
//
// Example:
//
//	n, err := conntrack.Kill(netip.MustParseAddr("192.0.2.7"), "tcp", 22)
//	if err != nil {
//		return fmt.Errorf("close door: %w", err)
//	}
//	log.Info().Int("sessions", n).Msg("cut")
package conntrack
