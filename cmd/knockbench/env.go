//go:build linux

package main

import (
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/uciknock/uciknock/internal/netns"
)

// The bench network: router namespace (the daemon) and client namespace
// (knocks and floods) joined by a veth pair. Documentation addresses only
// (RFC 5737, RFC 3849, RFC 7042 MACs), no default route anywhere.
const (
	routerIf = "kbr0"
	clientIf = "kbc0"
)

var (
	routerMAC = net.HardwareAddr{0x00, 0x00, 0x5e, 0x00, 0x53, 0x01}
	clientMAC = net.HardwareAddr{0x00, 0x00, 0x5e, 0x00, 0x53, 0x02}
	router4   = netip.MustParseAddr("192.0.2.1")
	router6   = netip.MustParseAddr("2001:db8::1")
)

// pool4Nets are the client address ranges: .10-.254 of each /24, 490
// addresses, so every sequence of a daemon's run has its own source.
var pool4Nets = []string{"192.0.2", "198.51.100"}

// pool6Size client IPv6 addresses, 2001:db8::1:0 and up.
const pool6Size = 64

// env is the network of one run.
type env struct {
	router, client *netns.NS
	cw             *netns.Worker // thread in the client namespace: knocks
	flooder        *Flooder
	pool4, pool6   []netip.Addr
	next4, next6   int // next unused pool entries (reset per daemon)
}

// newEnv creates the namespaces (named prefix-r, prefix-c) and addresses.
// On error everything made so far is deleted.
func newEnv(prefix string) (_ *env, err error) {
	e := &env{}
	defer func() {
		if err != nil {
			e.close()
		}
	}()
	if e.router, err = netns.Create(prefix + "-r"); err != nil {
		return nil, err
	}
	if e.client, err = netns.Create(prefix + "-c"); err != nil {
		return nil, err
	}
	if _, err = e.router.RunIP("link", "add", routerIf, "address", routerMAC.String(), "type", "veth",
		"peer", "name", clientIf, "address", clientMAC.String(), "netns", e.client.Name); err != nil {
		return nil, err
	}
	rcmds := []string{"addr add 192.0.2.1/24 dev " + routerIf, "addr add 198.51.100.1/24 dev " + routerIf,
		"addr add 2001:db8::1/64 dev " + routerIf + " nodad", "link set " + routerIf + " up"}
	if err = e.router.Batch(rcmds); err != nil {
		return nil, err
	}
	ccmds := []string{"addr add 2001:db8::2/64 dev " + clientIf + " nodad"}
	for _, n := range pool4Nets {
		for i := 10; i <= 254; i++ {
			ccmds = append(ccmds, fmt.Sprintf("addr add %s.%d/24 dev %s", n, i, clientIf))
			e.pool4 = append(e.pool4, netip.MustParseAddr(fmt.Sprintf("%s.%d", n, i)))
		}
	}
	for i := 0; i < pool6Size; i++ {
		a := netip.MustParseAddr(fmt.Sprintf("2001:db8::1:%x", i))
		ccmds = append(ccmds, fmt.Sprintf("addr add %s/64 dev %s nodad", a, clientIf))
		e.pool6 = append(e.pool6, a)
	}
	ccmds = append(ccmds, "link set "+clientIf+" up")
	if err = e.client.Batch(ccmds); err != nil {
		return nil, err
	}
	if e.cw, err = e.client.NewWorker(); err != nil {
		return nil, err
	}
	err = e.cw.Do(func() error {
		var err error
		e.flooder, err = OpenFlooder(clientIf, routerMAC, router4)
		return err
	})
	if err != nil {
		return nil, err
	}
	return e, e.waitLink()
}

// waitLink waits until a knock from the client reaches the router's
// stack (the veth carrier is up and the addresses are usable).
func (e *env) waitLink() error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := e.cw.Do(func() error { return Knock(e.pool4[0], router4, 9, UDP) })
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("client link not usable: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// close deletes everything; safe on a partly built env.
func (e *env) close() {
	if e.flooder != nil {
		e.flooder.Close()
	}
	if e.cw != nil {
		e.cw.Stop()
	}
	for _, n := range []*netns.NS{e.client, e.router} {
		if n != nil {
			_ = n.Delete()
		}
	}
}

// resetPool makes the next daemon see the same sources as the last one.
func (e *env) resetPool() { e.next4, e.next6 = 0, 0 }

// src returns an unused client address of the family of dst.
func (e *env) src(dst netip.Addr) (netip.Addr, error) {
	if dst.Is4() {
		if e.next4 >= len(e.pool4) {
			return netip.Addr{}, fmt.Errorf("all %d IPv4 client addresses used", len(e.pool4))
		}
		e.next4++
		return e.pool4[e.next4-1], nil
	}
	if e.next6 >= len(e.pool6) {
		return netip.Addr{}, fmt.Errorf("all %d IPv6 client addresses used", len(e.pool6))
	}
	e.next6++
	return e.pool6[e.next6-1], nil
}

// knock sends one TCP knock from the client namespace.
func (e *env) knock(src, dst netip.Addr, port uint16) error {
	return e.cw.Do(func() error { return Knock(src, dst, port, TCP) })
}
