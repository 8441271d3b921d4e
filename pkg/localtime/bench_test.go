package localtime

import (
	"testing"
	"time"
)

func BenchmarkWall(b *testing.B) {
	z, _ := ParseTZ("CET-1CEST,M3.5.0,M10.5.0/3")
	at := time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = z.Wall(at)
	}
}

func BenchmarkStopDate(b *testing.B) {
	z, _ := ParseTZ("CET-1CEST,M3.5.0,M10.5.0/3")
	at := time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = z.StopDate(at)
	}
}

func BenchmarkParseTZ(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_, _ = ParseTZ("<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45")
	}
}
