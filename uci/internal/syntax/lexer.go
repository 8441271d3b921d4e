package syntax

// Lexer reproduces libuci's statement reader (uci: file.c uci_getln,
// parse_str, parse_*_quote, parse_backslash, next_arg) byte for byte. It
// works in place on a NUL-terminated, growing line buffer exactly like the
// C code, because several visible quirks come from that: a NUL byte in a
// line makes fgets' data after it vanish, an unquoted value directly
// followed by ';' overwrites the ';' and drops the rest of the line, and
// libuci's error "byte" is an offset in this buffer. Reads past the
// written part return 0, the C string terminator, so no input can index
// out of range.
type Lexer struct {
	src []byte // whole input
	off int    // read cursor in src (the FILE position)
	EOF bool   // feof(): a read hit the end of src

	// bufsz is libuci's buffer size, which only decides how much one
	// fgets may read; buf is only as long as what was stored in it.
	bufsz  int
	buf    []byte
	OOM    bool // bufsz outgrew maxLineBuf: libuci's realloc fails
	filled int  // buf_filled
	Pos    int  // pos: the read position in buf
	Line   int  // newline-terminated lines read

	// chunks map buffer indexes back to src offsets; a chunk is what
	// one fgets call stored. Later reads at a lower index replace them.
	chunks []chunk

	// ArgEnd is the src offset just past the last argument that
	// consumed input; statements use it for Section.Spans.
	ArgEnd int
}

type chunk struct {
	bufStart, srcStart int
}

const lineBuf = 32 // LINEBUF in file.c

// maxLineBuf is where libuci's line buffer can no longer be allocated.
// It doubles for every line read into one statement that does not end in
// a newline as strlen sees it, so consecutive lines holding a NUL byte
// make it explode; libuci then fails with "Out of memory" (on a router
// long before this limit). The limit is what fits an int on 32-bit
// routers (mips, arm): doubling past it would overflow.
const maxLineBuf = 1 << 30

// New returns a reader over src.
func New(src []byte) *Lexer {
	return &Lexer{src: src}
}

// NextLine starts a statement: the next physical line (plus what
// continuations add later) at the start of the buffer.
func (l *Lexer) NextLine() {
	l.Pos = 0
	l.Getln(0)
}

// Rest consumes and returns the input not read yet (libuci reading on
// from the same FILE, as `uci import` does inside a batch).
func (l *Lexer) Rest() []byte {
	data := l.src[l.off:]
	l.off, l.EOF = len(l.src), true
	return data
}

// Restart gives the reader a fresh buffer and line count, keeping its
// input position: libuci's new parse context after a package was loaded.
func (l *Lexer) Restart() {
	*l = Lexer{src: l.src, off: l.off, EOF: l.EOF}
}

// At returns buf[i], or 0 past the buffer (the C terminator).
func (l *Lexer) At(i int) byte {
	if i < 0 || i >= len(l.buf) {
		return 0
	}
	return l.buf[i]
}

// set stores c at buf[i] when i is inside the buffer.
func (l *Lexer) set(i int, c byte) {
	if i >= 0 && i < len(l.buf) {
		l.buf[i] = c
	}
}

// Cur is the byte at the read position.
func (l *Lexer) Cur() byte { return l.At(l.Pos) }

// double is the bufsz *= 2 of uci_getln.
func (l *Lexer) double() {
	if l.bufsz > maxLineBuf/2 { // bufsz*2 would pass maxLineBuf
		l.OOM, l.EOF = true, true
		return
	}
	l.bufsz *= 2
}

// ensure makes buf at least n bytes long.
func (l *Lexer) ensure(n int) {
	if n <= len(l.buf) {
		return
	}
	size := 2 * len(l.buf)
	if size < n {
		size = n
	}
	if size < lineBuf {
		size = lineBuf
	}
	nb := make([]byte, size)
	copy(nb, l.buf)
	l.buf = nb
}

// fgets stores at most n-1 bytes of the next line at buf[ofs:], stopping
// after '\n', and terminates them with 0. It reports false at end of input.
func (l *Lexer) fgets(ofs, n int) bool {
	if l.off >= len(l.src) {
		l.EOF = true
		return false
	}
	max := n - 1
	end := l.off
	for end < len(l.src) && end-l.off < max {
		end++
		if l.src[end-1] == '\n' {
			break
		}
	}
	if end == len(l.src) && (end-l.off < max) && l.src[end-1] != '\n' {
		l.EOF = true
	}
	for len(l.chunks) > 0 && l.chunks[len(l.chunks)-1].bufStart >= ofs {
		l.chunks = l.chunks[:len(l.chunks)-1]
	}
	l.chunks = append(l.chunks, chunk{bufStart: ofs, srcStart: l.off})
	l.ensure(ofs + end - l.off + 1)
	k := copy(l.buf[ofs:], l.src[l.off:end])
	l.set(ofs+k, 0)
	l.off = end
	return true
}

// Strlen is strlen at buffer index i.
func (l *Lexer) Strlen(i int) int {
	n := 0
	for l.At(i+n) != 0 {
		n++
	}
	return n
}

// Getln is uci_getln: read the next physical line into the buffer at
// offset, growing the buffer as libuci does.
func (l *Lexer) Getln(offset int) {
	if l.bufsz == 0 {
		l.bufsz = lineBuf
	}
	if offset >= l.bufsz-1 {
		l.double()
	}
	ofs := offset
	for {
		l.set(ofs, 0)
		if l.OOM || !l.fgets(ofs, l.bufsz-ofs) || l.At(ofs) == 0 {
			return
		}
		ofs += l.Strlen(ofs)
		l.filled = ofs
		if l.At(ofs-1) == '\n' {
			l.Line++
			return
		}
		l.double()
	}
}

// SrcOffset maps a buffer index to the offset of that byte in src.
func (l *Lexer) SrcOffset(i int) int {
	for k := len(l.chunks) - 1; k >= 0; k-- {
		c := l.chunks[k]
		if c.bufStart <= i {
			return c.srcStart + i - c.bufStart
		}
	}
	return i
}

// IsSpace is C isspace in the C locale.
func IsSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// SkipWhitespace steps over blanks and newlines.
func (l *Lexer) SkipWhitespace() {
	for c := l.Cur(); c != 0 && IsSpace(c); c = l.Cur() {
		l.Pos++
	}
}

// parseBackslash skips a backslash; at the end of the line it joins the
// next line and reports false (nothing to add).
func (l *Lexer) parseBackslash() bool {
	l.Pos++
	c := l.Cur()
	if c == 0 || c == '\n' || (c == '\r' && l.At(l.Pos+1) == '\n' && l.At(l.Pos+2) == 0) {
		l.Getln(l.Pos)
		return false
	}
	return true
}

func (l *Lexer) addc(target *int) {
	l.set(*target, l.At(l.Pos))
	*target++
	l.Pos++
}

// parseQuoted reads a string quoted with q up to its closing quote,
// across lines. Inside double quotes a backslash escapes the next byte
// (libuci's parse_double_quote); inside single quotes nothing does
// (parse_single_quote). eof is the error for a missing closing quote.
func (l *Lexer) parseQuoted(target *int, q byte, eof string) *Error {
	l.Pos++
	for {
		switch c := l.Cur(); {
		case c == q:
			l.Pos++
			return nil
		case c == 0:
			l.Getln(l.Pos)
			if l.Cur() == 0 {
				return l.Fail(eof)
			}
		case c == '\\' && q == '"':
			if l.parseBackslash() {
				l.addc(target)
			}
		default:
			l.addc(target)
		}
	}
}

// parseStr is parse_str: one argument made of quoted and unquoted pieces.
func (l *Lexer) parseStr(target *int) *Error {
	next := true
	start := l.Pos
loop:
	for {
		switch l.Cur() {
		case '\'':
			if err := l.parseQuoted(target, '\'', reasonEOFSingle); err != nil {
				return err
			}
		case '"':
			if err := l.parseQuoted(target, '"', reasonEOFDouble); err != nil {
				return err
			}
		case '#':
			l.set(l.Pos, 0)
			break loop
		case 0:
			break loop
		case ';':
			next = false
			break loop
		case '\\':
			if l.parseBackslash() {
				l.addc(target)
			}
		default:
			l.addc(target)
		}
		if c := l.Cur(); c == 0 || IsSpace(c) {
			break
		}
	}
	if l.Pos > start {
		l.ArgEnd = l.SrcOffset(l.Pos)
	}
	if l.Cur() != 0 && next {
		l.Pos++
	}
	l.set(*target, 0)
	return nil
}

// NextArg is next_arg without the name validation: it returns the buffer
// index of the argument, which is then a NUL-terminated string.
func (l *Lexer) NextArg() (int, *Error) {
	l.SkipWhitespace()
	val := l.Pos
	ptr := val
	if l.Cur() == ';' {
		l.set(l.Pos, 0)
		l.Pos++
	} else if err := l.parseStr(&ptr); err != nil {
		return val, err
	}
	return val, nil
}

// Cstr returns the NUL-terminated string at buffer index i (empty past
// the buffer).
func (l *Lexer) Cstr(i int) []byte {
	if i < 0 || i >= len(l.buf) {
		return nil
	}
	return l.buf[i : i+l.Strlen(i)]
}

// Str is Cstr as a string.
func (l *Lexer) Str(i int) string { return string(l.Cstr(i)) }

// Error is a statement the reader could not read, positioned the way
// libuci reports it (Line, Byte) and in the source (Offset).
type Error struct {
	Reason string
	Line   int // newline-terminated lines read (libuci's line)
	Byte   int // offset in the statement buffer (libuci's byte)
	Offset int // offset of the error position in the input
	// OOM is set when the line buffer outgrew what libuci can allocate:
	// libuci then fails with "Out of memory", which stops even `uci -S`.
	OOM bool
}

// Fail returns the error reason at the current position.
func (l *Lexer) Fail(reason string) *Error {
	off := l.SrcOffset(l.Pos)
	// At the end of the buffer libuci's position is past the newline;
	// point at the newline so the column stays on the statement's line.
	if l.Pos > 0 && l.Pos >= l.filled && off > 0 && off <= len(l.src) && l.src[off-1] == '\n' {
		off--
	}
	if l.OOM {
		reason = ReasonOOM
	}
	return &Error{Reason: reason, Line: l.Line, Byte: l.Pos, Offset: off, OOM: l.OOM}
}
