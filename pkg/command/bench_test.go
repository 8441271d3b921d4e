package command

import (
	"net/netip"
	"testing"
)

func BenchmarkSplit(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_, _ = Split(`/usr/sbin/iptables -I INPUT -s %IP% -p tcp --dport 22 -m comment --comment 'knock door' -j ACCEPT`)
	}
}

func BenchmarkExpand(b *testing.B) {
	argv, _ := Split(`/usr/sbin/iptables -I INPUT -s %IP% -p tcp --dport 22 -j ACCEPT`)
	ip := netip.MustParseAddr("2001:db8::7")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_, _ = Expand(argv, ip)
	}
}
