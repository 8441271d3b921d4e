//go:build linux

package fastpath

import (
	"testing"
	"time"

	"github.com/google/nftables"

	"github.com/uciknock/uciknock/internal/netns"
	"github.com/uciknock/uciknock/internal/testenv"
)

// BenchmarkApplyRefresh measures what opening a door again costs in the
// kernel: one batch deleting and adding a rule door's element with its
// timeout, answered by the kernel. "library" is the same batch through
// github.com/google/nftables, which the fast path used before.
func BenchmarkApplyRefresh(b *testing.B) {
	testenv.RequireRoot(b)
	ns := netns.New(b, "ukfp")
	nft(b, ns, testSets)
	els := testDoors(b)[:1]
	var k *NFT
	var lib *nftables.Conn
	if err := ns.Do(func() (err error) {
		if k, err = DialNFT(); err != nil {
			return err
		}
		lib, err = nftables.New(nftables.AsLasting())
		return err
	}); err != nil {
		b.Fatal(err)
	}
	defer k.Close()
	defer lib.CloseLasting()
	if err := k.Apply(nil, els, time.Hour); err != nil {
		b.Fatal(err)
	}
	b.Run("own", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if err := k.Apply(els, els, time.Hour); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("library", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if err := libApply(lib, els, els, time.Hour); err != nil {
				b.Fatal(err)
			}
			if err := lib.Flush(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
