package nfnl

import (
	"strings"
	"testing"
	"time"
)

// TestRecvNoAnswer: an empty queue is (nil, nil) without waiting and an
// error naming the bound with it. Opening a NETLINK_NETFILTER socket
// needs no privilege.
func TestRecvNoAnswer(t *testing.T) {
	if testing.Short() {
		t.Skip("needs NETLINK_NETFILTER of the real kernel (not under qemu-user)")
	}
	c, err := Dial(10 * time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if d, err := c.Recv(true); d != nil || err != nil {
		t.Fatalf("Recv(dontwait) = %x, %v; want nil, nil", d, err)
	}
	if _, err := c.Recv(false); err == nil || !strings.Contains(err.Error(), "no answer from the kernel within 10ms") {
		t.Fatalf("Recv = %v, want no answer within 10ms", err)
	}
}
