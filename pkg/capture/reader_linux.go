//go:build linux

package capture

import (
	"net"
	"net/netip"
	"time"

	"github.com/uciknock/uciknock/pkg/knock"
)

// addrRefreshGap is the least time between two refreshes of the host's
// addresses prompted by packets to an unknown destination, so that routed
// traffic to a knock port cannot make us dump addresses in a loop.
const addrRefreshGap = time.Second

// reader is Run's per-packet state: it turns frames into knocks for fn.
// Only Run's goroutine uses it.
type reader struct {
	l         *Listener
	fn        func(knock.Knock)
	k         knock.Knock
	buf       []byte       // recvfrom buffer
	local     []netip.Addr // the host's addresses
	refreshed time.Time    // packet time of the last refresh prompted by a miss
	dup       *Dedup       // nil: no copies expected
}

func newReader(l *Listener, fn func(knock.Knock)) *reader {
	rd := &reader{l: l, fn: fn, buf: make([]byte, queueBufSize)}
	switch {
	case l.ifname == "":
		rd.dup = &Dedup{}
	case l.o.dedup != nil:
		rd.dup = l.o.dedup
	}
	return rd
}

// packet handles one frame: b from the network header on, the frame's
// ethertype, packet type, interface and receive time.
func (rd *reader) packet(b []byte, ethertype uint16, pkttype uint8, ifindex int32, ts time.Time) {
	l := rd.l
	l.received.Add(1)
	if err := Decode(b, ethertype, ts, &rd.k); err != nil {
		l.malformed.Add(1)
		return
	}
	// The filter already dropped other-host and outgoing packets; a
	// knock must also be unicast to one of our addresses, not traffic
	// we route or broadcast.
	if pkttype >= packetTypeOtherHost || !rd.isLocal(rd.k.Dst, ts) {
		l.notLocal.Add(1)
		return
	}
	if rd.dup != nil && rd.dup.seen(b, ifindex, ts) {
		l.duplicates.Add(1)
		return
	}
	l.knocks.Add(1)
	rd.fn(rd.k)
}

func (rd *reader) isLocal(a netip.Addr, t time.Time) bool {
	for _, x := range rd.local {
		if x == a {
			return true
		}
	}
	if t.Sub(rd.refreshed) < addrRefreshGap {
		return false
	}
	rd.refreshed = t
	rd.refreshAddrs()
	for _, x := range rd.local {
		if x == a {
			return true
		}
	}
	return false
}

// refreshAddrs reloads the addresses of every interface of the host (of
// the namespace the Listener lives in). A knock may reach any of them
// through any interface: the weak host model, as Linux delivers. On error
// the previous list stays.
func (rd *reader) refreshAddrs() {
	var local []netip.Addr
	err := rd.l.o.enter(func() error {
		addrs, err := net.InterfaceAddrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				if ip, ok := netip.AddrFromSlice(n.IP); ok {
					local = append(local, ip.Unmap())
				}
			}
		}
		return err
	})
	if err == nil {
		rd.local = local
	}
}
