package client

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/uciknock/uciknock/pkg/totp"
)

// sent is one knock a fakeTransport saw, with the fake clock's time.
type sent struct {
	Proto Proto
	Dst   netip.AddrPort
	At    time.Duration
}

type fakeTransport struct {
	clock  *fakeClock
	sent   []sent
	failAt int // 1-based knock that fails; 0 = none
}

func (f *fakeTransport) Knock(_ context.Context, p Proto, dst netip.AddrPort) error {
	f.sent = append(f.sent, sent{p, dst, f.clock.now.Sub(f.clock.start)})
	if len(f.sent) == f.failAt {
		return errors.New("network is unreachable")
	}
	return nil
}

type fakeClock struct {
	start, now time.Time
	sleeps     []time.Duration
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{start: t, now: t} }

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

type fakeResolver struct {
	answers map[string][]netip.Addr
	calls   []string
}

func (r *fakeResolver) LookupNetIP(_ context.Context, network, host string) ([]netip.Addr, error) {
	r.calls = append(r.calls, network+" "+host)
	a, ok := r.answers[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	if a == nil {
		return nil, &net.DNSError{Err: "server misbehaving", Name: host, IsTemporary: true}
	}
	return a, nil
}

func newFakeKnocker() (*Knocker, *fakeTransport, *fakeClock, *fakeResolver) {
	clock := newFakeClock(time.Unix(1700000000, 0))
	tr := &fakeTransport{clock: clock}
	res := &fakeResolver{answers: map[string][]netip.Addr{
		"router.example.org": {netip.MustParseAddr("::ffff:192.0.2.7"), netip.MustParseAddr("2001:db8::7")},
		"v6only.example.org": {netip.MustParseAddr("2001:db8::6")},
		"broken.example.org": nil,
	}}
	return &Knocker{Transport: tr, Resolver: res, Clock: clock}, tr, clock, res
}

func TestKnockSequenceAndDelay(t *testing.T) {
	k, tr, clock, res := newFakeKnocker()
	var seen []string
	k.OnHit = func(h Hit, dst netip.AddrPort) { seen = append(seen, h.Proto.String()+" "+dst.String()) }
	d := &Door{Host: "router.example.org", Hits: []Hit{{Port: 7000, Proto: TCP}, {Port: 8000, Proto: UDP}, {Port: 9000, Proto: TCP}}, Delay: 100 * time.Millisecond}
	if err := k.Knock(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	a := netip.MustParseAddr("192.0.2.7")
	want := []sent{
		{TCP, netip.AddrPortFrom(a, 7000), 0},
		{UDP, netip.AddrPortFrom(a, 8000), 100 * time.Millisecond},
		{TCP, netip.AddrPortFrom(a, 9000), 200 * time.Millisecond},
	}
	if !reflect.DeepEqual(tr.sent, want) {
		t.Errorf("sent %v, want %v", tr.sent, want)
	}
	if want := []time.Duration{100 * time.Millisecond, 100 * time.Millisecond, DefaultWait}; !reflect.DeepEqual(clock.sleeps, want) {
		t.Errorf("slept %v, want %v: the delay between knocks, then the wait for the door", clock.sleeps, want)
	}
	if !reflect.DeepEqual(res.calls, []string{"ip router.example.org"}) {
		t.Errorf("resolver calls %v: want one lookup per sequence", res.calls)
	}
	if want := []string{"tcp 192.0.2.7:7000", "udp 192.0.2.7:8000", "tcp 192.0.2.7:9000"}; !reflect.DeepEqual(seen, want) {
		t.Errorf("OnHit saw %v, want %v", seen, want)
	}
}

func TestKnockUDPAndFamily(t *testing.T) {
	k, tr, clock, res := newFakeKnocker()
	d := &Door{Host: "router.example.org", Hits: []Hit{{Port: 7000, Proto: TCP}, {Port: 8000, Proto: TCP}}, UDP: true, Family: IPv6}
	if err := k.Knock(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	a := netip.MustParseAddr("2001:db8::7")
	want := []sent{{UDP, netip.AddrPortFrom(a, 7000), 0}, {UDP, netip.AddrPortFrom(a, 8000), 0}}
	if !reflect.DeepEqual(tr.sent, want) || !reflect.DeepEqual(clock.sleeps, []time.Duration{DefaultWait}) {
		t.Errorf("sent %v sleeps %v, want %v and only the wait after the last", tr.sent, clock.sleeps, want)
	}
	if res.calls[0] != "ip6 router.example.org" {
		t.Errorf("lookup %q, want ip6", res.calls[0])
	}
}

func TestKnockTOTP(t *testing.T) {
	k, tr, clock, _ := newFakeKnocker()
	secret, err := totp.DecodeSecret(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	tt := defaultTOTP(secret)
	tt.Length = 4
	d := &Door{Host: "192.0.2.9", TOTP: tt}
	if err := k.Knock(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	ports := totp.Ports(secret, totp.Counter(clock.start, 30*time.Second), 4, 10000, 59999)
	if len(tr.sent) != 4 {
		t.Fatalf("sent %v, want 4 knocks", tr.sent)
	}
	for i, s := range tr.sent {
		if s.Dst.Port() != ports[i] || s.Proto != TCP || s.Dst.Addr() != netip.MustParseAddr("192.0.2.9") {
			t.Errorf("knock %d = %v, want tcp port %d", i, s, ports[i])
		}
	}
	// The next time step gives another sequence (a recorded one is stale).
	next := d.Sequence(clock.start.Add(30 * time.Second))
	if reflect.DeepEqual(next, d.Sequence(clock.start)) {
		t.Errorf("sequence did not change with the time step: %v", next)
	}
}

func TestKnockErrors(t *testing.T) {
	tests := []struct {
		name   string
		door   Door
		failAt int
		want   string
		sent   int
	}{
		{"invalid door", Door{Host: "h"}, 0, "no ports given", 0},
		{"send fails", Door{Host: "192.0.2.1", Hits: []Hit{{Port: 1, Proto: TCP}, {Port: 2, Proto: UDP}, {Port: 3, Proto: TCP}}}, 2, "hitting udp 192.0.2.1:2: network is unreachable", 2},
		{"not found", Door{Host: "nx.example.org", Hits: []Hit{{Port: 1, Proto: TCP}}}, 0, `cannot resolve host "nx.example.org": no such host`, 0},
		{"resolver fails", Door{Host: "broken.example.org", Hits: []Hit{{Port: 1, Proto: TCP}}}, 0, "server misbehaving", 0},
		{"no v4", Door{Host: "v6only.example.org", Family: IPv4, Hits: []Hit{{Port: 1, Proto: TCP}}}, 0, `cannot resolve host "v6only.example.org": no ipv4 address`, 0},
		{"literal family", Door{Host: "2001:db8::1", Family: IPv4, Hits: []Hit{{Port: 1, Proto: TCP}}}, 0, "host 2001:db8::1 is not an ipv4 address", 0},
		{"literal family 6", Door{Host: "192.0.2.1", Family: IPv6, Hits: []Hit{{Port: 1, Proto: TCP}}}, 0, "host 192.0.2.1 is not an ipv6 address", 0},
		{"bad address", Door{Host: "192.0.2.300", Hits: []Hit{{Port: 1, Proto: TCP}}}, 0, `host "192.0.2.300" is neither an IP address nor a host name`, 0},
		{"bad name", Door{Host: "host:22", Hits: []Hit{{Port: 1, Proto: TCP}}}, 0, "neither an IP address nor a host name", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, tr, _, _ := newFakeKnocker()
			tr.failAt = tt.failAt
			err := k.Knock(context.Background(), &tt.door)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
			if len(tr.sent) != tt.sent {
				t.Errorf("sent %d knocks, want %d", len(tr.sent), tt.sent)
			}
		})
	}
}

func TestKnockCancelled(t *testing.T) {
	k, tr, _, _ := newFakeKnocker()
	ctx, cancel := context.WithCancel(context.Background())
	k.OnHit = func(Hit, netip.AddrPort) { cancel() }
	d := &Door{Host: "192.0.2.1", Hits: []Hit{{Port: 1, Proto: TCP}, {Port: 2, Proto: TCP}}, Delay: time.Second}
	err := k.Knock(ctx, d)
	if !errors.Is(err, context.Canceled) || len(tr.sent) != 1 {
		t.Errorf("err %v after %d knocks, want context.Canceled after 1", err, len(tr.sent))
	}
}

func TestSystemClockSleep(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (SystemClock{}).Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep on a cancelled context: %v", err)
	}
	if err := (SystemClock{}).Sleep(context.Background(), time.Millisecond); err != nil {
		t.Errorf("Sleep: %v", err)
	}
}

// TestKnockWait: the pause after the last knock is DefaultWait unless the
// door says otherwise; a negative Wait (`--wait 0`) is no pause at all,
// and a cancelled wait is an error (the door may not be open yet).
func TestKnockWait(t *testing.T) {
	for _, tc := range []struct {
		wait time.Duration
		want []time.Duration
	}{
		{0, []time.Duration{DefaultWait}},
		{-1, nil},
		{250 * time.Millisecond, []time.Duration{250 * time.Millisecond}},
	} {
		k, _, clock, _ := newFakeKnocker()
		d := &Door{Host: "192.0.2.7", Hits: []Hit{{Port: 7000, Proto: TCP}}, Wait: tc.wait}
		if err := k.Knock(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(clock.sleeps, tc.want) {
			t.Errorf("Wait %v: slept %v, want %v", tc.wait, clock.sleeps, tc.want)
		}
	}
	k, _, _, _ := newFakeKnocker()
	k.Clock = SystemClock{}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d := &Door{Host: "192.0.2.7", Hits: []Hit{{Port: 7000, Proto: TCP}}, Wait: time.Hour}
	if err := k.Knock(ctx, d); err == nil || !strings.Contains(err.Error(), "waiting for the door") {
		t.Errorf("cancelled wait: %v", err)
	}
}
