package main

import (
	"context"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/netns"
	"github.com/uciknock/uciknock/internal/testenv"
)

// The flooder (built on netns.Injector since internal/bench was folded in)
// stays within its packet count and time, and its frames reach the peer;
// the knocker's UDP datagram arrives.
func TestFlooderAndKnocker(t *testing.T) {
	testenv.RequireRoot(t)
	r, c := netns.New(t, "kb-r"), netns.New(t, "kb-c")
	netns.Veth(t, r, c, "eth0", "eth0")
	r.AddAddr("eth0", "192.0.2.1/24")
	c.AddAddr("eth0", "192.0.2.2/24")
	var conn *net.UDPConn
	if err := r.Do(func() error {
		var err error
		conn, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 7000})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	mac := r.MAC("eth0")
	var st FloodStats
	err := c.Do(func() error {
		f, err := OpenFlooder("eth0", mac, netip.MustParseAddr("192.0.2.1"))
		if err != nil {
			return err
		}
		defer f.Close()
		st, err = f.Run(context.Background(), FloodSpec{Name: "t", Sources: 100, Port: 7000, Proto: UDP}, 1000, 200*time.Millisecond)
		if err != nil {
			return err
		}
		return Knock(netip.MustParseAddr("192.0.2.2"), netip.MustParseAddr("192.0.2.1"), 7000, UDP)
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Sent+st.Refused == 0 || st.Sent+st.Refused > 200 || st.Duration > time.Second {
		t.Errorf("flood stats %+v: want 1..200 frames within the 200 ms", st)
	}
	// Spoofed frames from 198.18.0.0/15 are dropped by rp_filter or
	// delivered; the knocker's own datagram must arrive either way.
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 64)
	for {
		_, from, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			t.Fatalf("knock not received: %v", err)
		}
		if from.Addr() == netip.MustParseAddr("192.0.2.2") {
			break
		}
	}
	if _, err := OpenFlooder("eth0", mac, netip.MustParseAddr("2001:db8::1")); err == nil {
		t.Error("IPv6 destination accepted")
	}
}

func TestWatcher(t *testing.T) {
	dir := t.TempDir()
	w, err := NewWatcher(dir)
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan FileEvent, 8)
	done := make(chan error, 1)
	go func() { done <- w.Run(func(e FileEvent) { events <- e }) }()
	tmp := filepath.Join(dir, ".x.tmp")
	if err := os.WriteFile(tmp, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "x")); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(5 * time.Second)
	for found := false; !found; {
		select {
		case e := <-events:
			found = e.Name == "x" && e.Dir == dir
		case <-deadline:
			t.Fatal("no event for the rename")
		}
	}
	w.Close()
	if err := <-done; err != nil {
		t.Errorf("Run after Close: %v", err)
	}
	if _, err := NewWatcher(filepath.Join(dir, "missing")); err == nil {
		t.Error("watching a missing directory succeeded")
	}
}
