package nfnl

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// TestAppendMsg: the header's layout, host order but for res_id.
func TestAppendMsg(t *testing.T) {
	got := AppendMsg([]byte{0xff}, 0x0a0c, Request|Create, 7, 1, 10, []byte{1, 2, 3, 4})[1:]
	want := binary.NativeEndian.AppendUint32(nil, 24)
	want = binary.NativeEndian.AppendUint16(want, 0x0a0c)
	want = binary.NativeEndian.AppendUint16(want, 0x401)
	want = binary.NativeEndian.AppendUint32(want, 7)
	want = append(want, 0, 0, 0, 0)  // port id
	want = append(want, 1, 0, 0, 10) // family, version, res_id big-endian
	want = append(want, 1, 2, 3, 4)
	if !bytes.Equal(got, want) {
		t.Fatalf("AppendMsg = %x, want %x", got, want)
	}
}

// msg is a raw netlink message of length l (as the header says) with body.
func msg(l uint32, typ uint16, seq uint32, body []byte) []byte {
	b := binary.NativeEndian.AppendUint32(nil, l)
	b = binary.NativeEndian.AppendUint16(b, typ)
	b = binary.NativeEndian.AppendUint16(b, DumpIntr)
	b = binary.NativeEndian.AppendUint32(b, seq)
	b = append(b, 0, 0, 0, 0)
	return append(b, body...)
}

func TestWalkMsgs(t *testing.T) {
	errno := binary.NativeEndian.AppendUint32(nil, uint32(0xffffffff-1)) // -2
	for _, tc := range []struct {
		name  string
		dgram []byte
		types []uint16
		err   error
	}{
		{"two, the first padded", append(msg(HdrLen+1, 16, 1, []byte{9, 0, 0, 0}), msg(HdrLen+4, MsgError, 1, errno)...), []uint16{16, MsgError}, nil},
		{"trailing bytes ignored", append(msg(HdrLen, MsgDone, 1, nil), 1, 2, 3), []uint16{MsgDone}, nil},
		{"length past the datagram", msg(HdrLen+8, 16, 1, []byte{1, 2, 3, 4}), nil, ErrMalformed},
		{"length below the header", msg(HdrLen-1, 16, 1, nil), nil, ErrMalformed},
	} {
		var types []uint16
		err := WalkMsgs(tc.dgram, func(m Msg) error {
			types = append(types, m.Type)
			if m.Seq != 1 || m.Flags != DumpIntr {
				t.Errorf("%s: seq %d flags %#x", tc.name, m.Seq, m.Flags)
			}
			return nil
		})
		if !errors.Is(err, tc.err) || len(types) != len(tc.types) {
			t.Errorf("%s: types %v, %v; want %v, %v", tc.name, types, err, tc.types, tc.err)
			continue
		}
		for i := range types {
			if types[i] != tc.types[i] {
				t.Errorf("%s: types %v, want %v", tc.name, types, tc.types)
			}
		}
	}
	stop := errors.New("stop")
	n := 0
	two := append(msg(HdrLen, 16, 1, nil), msg(HdrLen, 16, 1, nil)...)
	if err := WalkMsgs(two, func(Msg) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("fn's error: %v after %d messages, want stop after 1", err, n)
	}
}

func TestErrno(t *testing.T) {
	if e, err := Errno(binary.NativeEndian.AppendUint32(nil, uint32(0xffffffff-1))); e != 2 || err != nil {
		t.Errorf("Errno(-2) = %d, %v", e, err)
	}
	if e, err := Errno(make([]byte, 4)); e != 0 || err != nil {
		t.Errorf("Errno(ack) = %d, %v", e, err)
	}
	if _, err := Errno([]byte{1, 2, 3}); !errors.Is(err, ErrMalformed) {
		t.Errorf("Errno(short) = %v, want ErrMalformed", err)
	}
}
