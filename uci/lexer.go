package uci

// lexer reproduces libuci's statement reader (uci: file.c uci_getln,
// parse_str, parse_*_quote, parse_backslash, next_arg) byte for byte. It
// works in place on a NUL-terminated, growing line buffer exactly like the
// C code, because several visible quirks come from that: a NUL byte in a
// line makes fgets' data after it vanish, an unquoted value directly
// followed by ';' overwrites the ';' and drops the rest of the line, and
// libuci's error "byte" is an offset in this buffer. Reads past the
// written part return 0, the C string terminator, so no input can index
// out of range.
type lexer struct {
	src []byte // whole input
	off int    // read cursor in src (the FILE position)
	eof bool   // feof(): a read hit the end of src

	// bufsz is libuci's buffer size, which only decides how much one
	// fgets may read; buf is only as long as what was stored in it.
	bufsz  int
	buf    []byte
	oom    bool // bufsz outgrew maxLineBuf: libuci's realloc fails
	filled int  // buf_filled
	pos    int  // pos
	line   int  // newline-terminated lines read

	// chunks map buffer indexes back to src offsets; a chunk is what
	// one fgets call stored. Later reads at a lower index replace them.
	chunks []chunk

	// argEnd is the src offset just past the last argument that
	// consumed input; statements use it for Section.Spans.
	argEnd int
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

func newLexer(src []byte) *lexer {
	return &lexer{src: src}
}

// at returns buf[i], or 0 past the buffer (the C terminator).
func (l *lexer) at(i int) byte {
	if i < 0 || i >= len(l.buf) {
		return 0
	}
	return l.buf[i]
}

func (l *lexer) set(i int, c byte) {
	if i >= 0 && i < len(l.buf) {
		l.buf[i] = c
	}
}

func (l *lexer) cur() byte { return l.at(l.pos) }

// double is the bufsz *= 2 of uci_getln.
func (l *lexer) double() {
	if l.bufsz > maxLineBuf/2 { // bufsz*2 would pass maxLineBuf
		l.oom, l.eof = true, true
		return
	}
	l.bufsz *= 2
}

// ensure makes buf at least n bytes long.
func (l *lexer) ensure(n int) {
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
func (l *lexer) fgets(ofs, n int) bool {
	if l.off >= len(l.src) {
		l.eof = true
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
		l.eof = true
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

func (l *lexer) strlen(i int) int {
	n := 0
	for l.at(i+n) != 0 {
		n++
	}
	return n
}

// getln is uci_getln: read the next physical line into the buffer at
// offset, growing the buffer as libuci does.
func (l *lexer) getln(offset int) {
	if l.bufsz == 0 {
		l.bufsz = lineBuf
	}
	if offset >= l.bufsz-1 {
		l.double()
	}
	ofs := offset
	for {
		l.set(ofs, 0)
		if l.oom || !l.fgets(ofs, l.bufsz-ofs) || l.at(ofs) == 0 {
			return
		}
		ofs += l.strlen(ofs)
		l.filled = ofs
		if l.at(ofs-1) == '\n' {
			l.line++
			return
		}
		l.double()
	}
}

// srcOffset maps a buffer index to the offset of that byte in src.
func (l *lexer) srcOffset(i int) int {
	for k := len(l.chunks) - 1; k >= 0; k-- {
		c := l.chunks[k]
		if c.bufStart <= i {
			return c.srcStart + i - c.bufStart
		}
	}
	return i
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func (l *lexer) skipWhitespace() {
	for c := l.cur(); c != 0 && isSpace(c); c = l.cur() {
		l.pos++
	}
}

// parseBackslash skips a backslash; at the end of the line it joins the
// next line and reports false (nothing to add).
func (l *lexer) parseBackslash() bool {
	l.pos++
	c := l.cur()
	if c == 0 || c == '\n' || (c == '\r' && l.at(l.pos+1) == '\n' && l.at(l.pos+2) == 0) {
		l.getln(l.pos)
		return false
	}
	return true
}

func (l *lexer) addc(target *int) {
	l.set(*target, l.at(l.pos))
	*target++
	l.pos++
}

// parseQuoted reads a string quoted with q up to its closing quote,
// across lines. Inside double quotes a backslash escapes the next byte
// (libuci's parse_double_quote); inside single quotes nothing does
// (parse_single_quote). eof is the error for a missing closing quote.
func (l *lexer) parseQuoted(target *int, q byte, eof string) *lexError {
	l.pos++
	for {
		switch c := l.cur(); {
		case c == q:
			l.pos++
			return nil
		case c == 0:
			l.getln(l.pos)
			if l.cur() == 0 {
				return l.fail(eof)
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
func (l *lexer) parseStr(target *int) *lexError {
	next := true
	start := l.pos
loop:
	for {
		switch l.cur() {
		case '\'':
			if err := l.parseQuoted(target, '\'', reasonEOFSingle); err != nil {
				return err
			}
		case '"':
			if err := l.parseQuoted(target, '"', reasonEOFDouble); err != nil {
				return err
			}
		case '#':
			l.set(l.pos, 0)
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
		if c := l.cur(); c == 0 || isSpace(c) {
			break
		}
	}
	if l.pos > start {
		l.argEnd = l.srcOffset(l.pos)
	}
	if l.cur() != 0 && next {
		l.pos++
	}
	l.set(*target, 0)
	return nil
}

// nextArg is next_arg without the name validation: it returns the buffer
// index of the argument, which is then a NUL-terminated string.
func (l *lexer) nextArg() (int, *lexError) {
	l.skipWhitespace()
	val := l.pos
	ptr := val
	if l.cur() == ';' {
		l.set(l.pos, 0)
		l.pos++
	} else if err := l.parseStr(&ptr); err != nil {
		return val, err
	}
	return val, nil
}

// cstr returns the NUL-terminated string at buffer index i (empty past
// the buffer).
func (l *lexer) cstr(i int) []byte {
	if i < 0 || i >= len(l.buf) {
		return nil
	}
	return l.buf[i : i+l.strlen(i)]
}

// str is cstr as a string.
func (l *lexer) str(i int) string { return string(l.cstr(i)) }

// lexError is a parse error before it is given a file name.
type lexError struct {
	code   Code // CodeParse, or the libuci error that aborts even uci -S
	reason string
	line   int
	byte   int
	offset int
}

func (l *lexer) fail(reason string) *lexError {
	off := l.srcOffset(l.pos)
	// At the end of the buffer libuci's position is past the newline;
	// point at the newline so the column stays on the statement's line.
	if l.pos > 0 && l.pos >= l.filled && off > 0 && off <= len(l.src) && l.src[off-1] == '\n' {
		off--
	}
	code := CodeParse
	if l.oom {
		code, reason = CodeMem, reasonOOM
	}
	return &lexError{code: code, reason: reason, line: l.line, byte: l.pos, offset: off}
}

func (e *lexError) toParseError(file string, src []byte) *ParseError {
	off := e.offset
	if off > len(src) {
		off = len(src)
	}
	start := off
	for start > 0 && src[start-1] != '\n' {
		start--
	}
	return &ParseError{File: file, Line: e.line, Col: off - start + 1, Byte: e.byte, Offset: off, Reason: e.reason, code: e.code}
}
