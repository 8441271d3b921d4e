package nlattr

import (
	"encoding/binary"
	"errors"
	"testing"
)

func attr(typ uint16, data ...byte) []byte {
	b := make([]byte, 4, 4+len(data)+3)
	binary.NativeEndian.PutUint16(b, uint16(4+len(data)))
	binary.NativeEndian.PutUint16(b[2:], typ)
	b = append(b, data...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func TestWalk(t *testing.T) {
	nested := attr(1|0x8000, attr(7, 'x')...)              // NLA_F_NESTED
	b := append(append(attr(2, 1, 2, 3), nested...), 0, 0) // trailing bytes: ignored
	var types []uint16
	var inner []byte
	err := Walk(b, func(typ uint16, data []byte) error {
		types = append(types, typ)
		if typ == 1 {
			return Walk(data, func(_ uint16, d []byte) error { inner = d; return nil })
		}
		return nil
	})
	if err != nil || len(types) != 2 || types[0] != 2 || types[1] != 1 || string(inner) != "x" {
		t.Fatalf("Walk: %v, types %v, inner %q", err, types, inner)
	}
	stop := errors.New("stop")
	if err := Walk(b, func(uint16, []byte) error { return stop }); err != stop {
		t.Errorf("fn's error: %v", err)
	}
	for _, bad := range [][]byte{{3, 0, 1, 0}, {200, 0, 1, 0, 0, 0, 0, 0}} {
		if err := Walk(bad, func(uint16, []byte) error { return nil }); !errors.Is(err, ErrShort) {
			t.Errorf("Walk(%v) = %v, want ErrShort", bad, err)
		}
	}
}
