// Package capture reads knock packets off the wire: a cooked AF_PACKET
// socket per interface (or one for all interfaces) with a kernel BPF
// filter built from the knock ports, a TPACKET_V2 memory-mapped ring, and
// a decoder to knock.Knock.
//
// What it does:
//   - Filter builds the classic BPF program: only IPv4 and IPv6 TCP/UDP
//     packets to the configured (protocol, port) pairs pass, addressed to
//     this host at the link layer (not other-host, not outgoing), first
//     fragments only, IPv4 options and up to MaxIPv6ExtHeaders IPv6
//     extension headers walked; each packet is cut to its headers plus 14
//     bytes of TCP/UDP header. Ports are found by a binary search; long
//     jumps go through trampolines, so thousands of ports fit the kernel's
//     4096-instruction limit.
//   - Listen opens the socket (SOCK_DGRAM, so Ethernet, VLAN, PPPoE,
//     WireGuard and tun look the same) with the filter attached before
//     bind(2), then maps a TPACKET_V2 ring (DefaultRingSize bytes of
//     FrameSize frames) on it. Run waits in ppoll(2) on its own
//     descriptor (not the Go runtime's poller) and reads each frame as it
//     lands; under a flood it reads in batches DefaultCoalesce apart. If
//     the ring cannot be set up, it falls back to one recvfrom(2) per
//     packet (and says so in EventOpened).
//   - Decode turns a packet into a knock.Knock without allocating; bad
//     packets are counted (Stats) and dropped, never a panic.
//   - Run keeps only knocks unicast to one of the host's addresses (not
//     traffic routed through the router), removes the copies one packet
//     makes on stacked interfaces (bridge port and bridge) when listening
//     on all interfaces, follows the interface through down/up and through
//     removal and re-creation with a new index (a PPPoE reconnect), and
//     reports those as Events.
//   - SetPorts swaps the filter in place when the port set changes.
//
// What it does not: it never logs (Events and Stats go to the caller), it
// does not interpret knocks (pkg/knock does), it does not set promiscuous
// mode, and it does not follow AH, ESP or other IPv6 extension headers.
//
// Example:
//
//	l, err := capture.Listen("pppoe-wan", engine.Ports(),
//		capture.WithEvents(func(e capture.Event) { log.Info().Msg(e.String()) }))
//	if err != nil {
//		return err
//	}
//	defer l.Close()
//	err = l.Run(ctx, func(k knock.Knock) { events = engine.Handle(k, events[:0]) })
package capture
