// Package fastpath keeps open doors live in the kernel the instant their
// knock sequence completes, without waiting for a firewall reload.
//
// The package installs fw4 includes (files/usr/share/nftables.d) that
// declare, in fw4's own `table inet fw4`, sets and maps with `flags
// timeout` and the rules that use them, for zone wan:
//
//	uciknock_wan_in4/6    saddr . l4proto . dport            accept in input_wan
//	uciknock_wan_dnat4/6  saddr . l4proto . dport : daddr . port   dnat in dstnat (iifname $wan_devices)
//	uciknock_wan_fwd4/6   saddr . l4proto . daddr . dport    accept in forward_wan (ct status dnat)
//
// A door is one element per protocol (two for "tcp udp"), carrying the
// door's timeout as the kernel timeout, so the kernel closes it on time
// even when the daemon is dead. What an element matches equals what the
// door's UCI section makes fw4 match: one source address, one protocol,
// one port, in the door's source zone.
//
// Doors is the set of doors that should be live; it writes elements over
// netlink (NFT: nf_tables messages coded here, nfmsg.go, on a plain
// NETLINK_NETFILTER socket), one batch per door, and re-adds
// every wanted element when the kernel lost them (Resync, driven by
// Watch, which listens to nftables netlink events: a table or set
// re-created by `fw4 restart`). A door is never re-added after Close:
// every kernel write happens under one lock, with the wanted set.
//
// It does not decide which doors exist (pkg/door does), and does nothing
// for fw3 or a custom reload command: there the daemon works through the
// firewall config alone.
//
// Example:
//
//	nft, _ := fastpath.DialNFT()
//	fp := fastpath.New(fastpath.Config{Kernel: nft})
//	err := fp.Open(d) // d: a normalised door.Door; ErrNoFastPath when its zone has no set
//	fp.Close(d)
package fastpath
