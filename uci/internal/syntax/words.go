package syntax

// Reasons the reader itself reports (libuci's file.c texts).
const (
	reasonEOFSingle = "EOF with unterminated '"
	reasonEOFDouble = "EOF with unterminated \""
	// ReasonOOM replaces the reason of an error when OOM is set.
	ReasonOOM = "line buffer too large: NUL bytes on consecutive lines (libuci: Out of memory)"
)

// Strtok is strtok(cur, " \t"): skip blanks, terminate the word with a
// NUL, return its index; false when only blanks remain.
func (l *Lexer) Strtok() (int, bool) {
	s := l.Pos
	for c := l.At(s); c == ' ' || c == '\t'; c = l.At(s) {
		s++
	}
	if l.At(s) == 0 {
		return s, false
	}
	e := s
	for c := l.At(e); c != 0 && c != ' ' && c != '\t'; c = l.At(e) {
		e++
	}
	l.set(e, 0)
	return s, true
}

// Keyword reports whether the word at i is the one-letter form (its
// first byte alone) or the full form (that byte followed by rest).
func (l *Lexer) Keyword(i int, rest string) bool {
	if l.At(i+1) == 0 {
		return true
	}
	for k := 0; k < len(rest); k++ {
		if l.At(i+1+k) != rest[k] {
			return false
		}
	}
	return l.At(i+1+len(rest)) == 0
}

// SkipKeyword is uci_increase_pos(strlen(cur)+1): step over the word
// Strtok terminated, failing with reason when nothing follows it.
func (l *Lexer) SkipKeyword(reason string) *Error {
	add := l.Strlen(l.Pos) + 1
	if l.Pos+add > l.filled {
		return l.Fail(reason)
	}
	l.Pos += add
	return nil
}
