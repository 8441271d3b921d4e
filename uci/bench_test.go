package uci

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/uciknock/uciknock/internal/testenv"
)

// BenchmarkParseStockFirewall parses the /etc/config/firewall a fresh
// OpenWrt image ships (corpus case 065).
func BenchmarkParseStockFirewall(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(testenv.GoldenDir(b, "uci"), "065-stock-firewall", "input"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Parse("firewall", data); err != nil {
			b.Fatal(err)
		}
	}
}
