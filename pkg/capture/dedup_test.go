package capture

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestDedup(t *testing.T) {
	var d Dedup
	a, b := tcp4(7000).Marshal(), udp6(9000).Marshal()
	t0 := now
	steps := []struct {
		name    string
		pkt     []byte
		ifindex int32
		at      time.Time
		want    bool
	}{
		{"first sight", a, 2, t0, false},
		{"copy on the bridge", a, 3, t0.Add(time.Microsecond), true},
		{"retransmission on the same interface", a, 2, t0.Add(time.Millisecond), false},
		{"other packet", b, 3, t0.Add(time.Millisecond), false},
		{"same bytes much later elsewhere", a, 4, t0.Add(time.Second), false},
	}
	for _, s := range steps {
		if got := d.seen(s.pkt, s.ifindex, s.at); got != s.want {
			t.Errorf("%s: seen = %v, want %v", s.name, got, s.want)
		}
	}
	// The memory is bounded: after a full table of other packets the first is gone.
	for i := 0; i < len(d.entries); i++ {
		d.seen(tcp4(uint16(8000+i)).Marshal(), 2, t0)
	}
	if d.seen(a, 5, t0) {
		t.Error("entry survived a full turn of the table")
	}
}

// TestSharedDedup: Listeners on a bridge and its port share one Dedup;
// each packet counts once whichever reads it first, from any goroutine.
func TestSharedDedup(t *testing.T) {
	var d Dedup
	var wg sync.WaitGroup
	var copies atomic.Int32
	for _, ifindex := range []int32{2, 3} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 16; i++ {
				if d.seen(tcp4(uint16(7000+i)).Marshal(), ifindex, now.Add(time.Duration(i)*time.Microsecond)) {
					copies.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := copies.Load(); n != 16 {
		t.Errorf("%d of 16 packets seen on both interfaces dropped as copies, want 16", n)
	}
}

func TestEventString(t *testing.T) {
	for _, tt := range []struct {
		e    Event
		want string
	}{
		{Event{Kind: EventOpened, Interface: "pppoe-wan", Index: 7, Ring: true}, "pppoe-wan: opened (index 7, ring)"},
		{Event{Kind: EventOpened, Index: 0}, "all interfaces: opened (index 0, recvfrom)"},
		{Event{Kind: EventLost, Interface: "wan", Index: 3, Err: errTest}, "wan: lost: test"},
		{Event{Kind: 99, Interface: "wan"}, "wan: event(99)"},
	} {
		if got := tt.e.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

var errTest = testError("test")

type testError string

func (e testError) Error() string { return string(e) }
