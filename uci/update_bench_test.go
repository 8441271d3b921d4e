package uci

import (
	"os"
	"testing"
)

// BenchmarkUpdate is one full safe update of the stock OpenWrt firewall
// file adding one rule: lock, identity checks, read, strict parse, edit,
// splice, validating re-parse, temp file, fsync, rename, directory fsync.
// The file is reset outside the timer so every iteration does the same.
func BenchmarkUpdate(b *testing.B) {
	stock := stockFirewall(b)
	f := newConfig(b, stock, 0o644)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if err := os.WriteFile(f.Path, stock, 0o644); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		changed, err := f.Update(func(p *Package) error {
			addDoor(b, p, "knock_192_0_2_7_22", "192.0.2.7")
			return nil
		})
		if err != nil || !changed {
			b.Fatal(changed, err)
		}
	}
}

// BenchmarkUpdateEdit is the in-memory part of the same update (parse,
// edit, splice, validating re-parse), without locking and file I/O.
func BenchmarkUpdateEdit(b *testing.B) {
	stock := stockFirewall(b)
	f := &File{Package: "firewall"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		out, err := f.edit("firewall", stock, func(p *Package) error {
			addDoor(b, p, "knock_192_0_2_7_22", "192.0.2.7")
			return nil
		})
		if err != nil || out == nil {
			b.Fatal(err)
		}
	}
}
