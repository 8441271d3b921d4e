package config

import (
	"fmt"
	"strings"
	"testing"

	"github.com/uciknock/uciknock/uci"
)

// BenchmarkParse measures validating a large configuration: 200 sequences
// and one with 2000 one-time sequences (the ambiguity check sorts them).
func BenchmarkParse(b *testing.B) {
	var t strings.Builder
	t.WriteString("config knockd 'main'\n\toption interface 'wan'\n")
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&t, "config sequence 's%d'\n\toption sequence '%d %d %d:udp'\n\toption dest_port '%d'\n", i, 1000+i, 2000+i, 3000+i, 1+i)
	}
	t.WriteString("config sequence 'otp'\n\toption dest_port '22'\n")
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&t, "\tlist one_time_sequences '%d %d %d'\n", 10000+i, 20000+i, 30000+i)
	}
	p, err := uci.Parse("knock", []byte(t.String()))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Parse(p); err != nil {
			b.Fatal(err)
		}
	}
}
