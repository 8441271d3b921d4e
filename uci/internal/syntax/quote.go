package syntax

// AppendEscaped is uci_escape: every single quote becomes the four bytes
// quote, backslash, quote, quote (nothing else is escaped; the caller adds
// the surrounding quotes, or none).
func AppendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			b = append(b, `'\''`...)
		} else {
			b = append(b, s[i])
		}
	}
	return b
}

// AppendQuoted is uci_print_value: the value in single quotes.
func AppendQuoted(b []byte, s string) []byte {
	b = append(b, '\'')
	b = AppendEscaped(b, s)
	return append(b, '\'')
}

const hexDigits = "0123456789abcdef"

// AnonID is uci_fixup_section's "cfg%02x%04x": the id libuci gives the
// n-th section allocated in a package when it is anonymous and of type typ
// (the low 16 bits of djb2 over the type, bytes as signed chars).
func AnonID(n int, typ string) string {
	h := uint32(5381)
	for i := 0; i < len(typ); i++ {
		// libuci adds the bytes as (signed) char.
		h = h*33 + uint32(int32(int8(typ[i])))
	}
	h &= 0x7fffffff
	b := make([]byte, 0, 16)
	b = append(b, "cfg"...)
	u := uint32(n)
	var d [8]byte
	k := len(d)
	for u > 0 || k > len(d)-2 {
		k--
		d[k] = hexDigits[u&15]
		u >>= 4
	}
	b = append(b, d[k:]...)
	for shift := 12; shift >= 0; shift -= 4 {
		b = append(b, hexDigits[(h>>uint(shift))&15])
	}
	return string(b)
}
