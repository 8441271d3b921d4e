package inet

import "testing"

func TestChecksum(t *testing.T) {
	// RFC 1071 section 3's example: the folded sum of these bytes is ddf2.
	if got := Checksum(0, []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}); got != 0xddf2 {
		t.Errorf("RFC 1071 example: %#x, want 0xddf2", got)
	}
	if got := Checksum(0, []byte{0x01}); got != 0x0100 {
		t.Errorf("odd length: %#x, want 0x0100", got)
	}
	if got := Checksum(0xffff, []byte{0x00, 0x01}); got != 0x0001 {
		t.Errorf("carry fold: %#x, want 0x0001", got)
	}
}
