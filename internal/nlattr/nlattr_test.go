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

// TestAppend: what Append writes, Walk reads back: lengths without the
// padding, payloads byte for byte, nested attributes, in host order
// (the test runs on big-endian mips too: make mips-test).
func TestAppend(t *testing.T) {
	inner := AppendString(nil, 2, "fw4")
	b := Append(nil, 1|Nested, inner)
	b = Append(b, 3, []byte{0xde, 0xad, 0xbe, 0xef, 0x01})
	b = Append(b, 4, nil)
	want := append(attr(1|Nested, attr(2, 'f', 'w', '4', 0)...), attr(3, 0xde, 0xad, 0xbe, 0xef, 0x01)...)
	want = append(want, attr(4)...)
	if string(b) != string(want) {
		t.Fatalf("Append:\n got %x\nwant %x", b, want)
	}
	if len(b)%4 != 0 || binary.NativeEndian.Uint16(b) != 4+8 || binary.NativeEndian.Uint16(b[4:]) != 4+4 {
		t.Fatalf("padding or length: %x", b)
	}
	var got []string
	err := Walk(b, func(typ uint16, data []byte) error {
		if typ == 1 {
			return Walk(data, func(typ uint16, data []byte) error {
				got = append(got, string(data))
				return nil
			})
		}
		got = append(got, string(data))
		return nil
	})
	if err != nil || len(got) != 3 || got[0] != "fw4\x00" || got[1] != "\xde\xad\xbe\xef\x01" || got[2] != "" {
		t.Fatalf("Walk(Append) = %q, %v", got, err)
	}
}
