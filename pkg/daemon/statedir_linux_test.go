package daemon

import "testing"

func TestVolatileFS(t *testing.T) {
	for magic, want := range map[int64]bool{0x01021994: true, 0x858458f6: true, 0xef53: false, 0x794c7630: false} {
		if _, got := volatileFS(magic); got != want {
			t.Errorf("volatileFS(%#x) = %v", magic, got)
		}
	}
}
