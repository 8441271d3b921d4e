package conntrack

import (
	"fmt"
	"net"
	"net/netip"
	"testing"
)

// BenchmarkKill1000 measures one Kill (dump + filter, nothing to delete)
// against a table of 1000 UDP entries, about what a busy home router
// holds.
func BenchmarkKill1000(b *testing.B) {
	p := newPair(b)
	err := p.cli.Do(func() error {
		for i := 0; i < 1000; i++ {
			c, err := net.Dial("udp", fmt.Sprintf("192.0.2.1:%d", 6000+i%50))
			if err != nil {
				return err
			}
			_, err = c.Write([]byte{1})
			c.Close()
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	src := netip.MustParseAddr("198.51.100.1")
	b.ReportAllocs()
	b.ResetTimer()
	err = p.srv.Do(func() error {
		for i := 0; i < b.N; i++ {
			if _, err := Kill(src, "tcp udp", 22); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	var n int
	_ = p.srv.Do(func() error { e, err := List(src); n = len(e); return err })
	if n < 1000 {
		b.Fatalf("table holds %d entries, want 1000", n)
	}
}
