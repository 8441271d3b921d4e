package uci

import (
	"strconv"

	"github.com/uciknock/uciknock/uci/internal/syntax"
)

// ParseError is a syntax error in a UCI file, positioned both the way
// libuci reports it and in editor terms.
type ParseError struct {
	// File is the package name given to Parse, or the path given to
	// ParseFile.
	File string
	// Line is libuci's line number: the count of newline-terminated
	// physical lines read so far, so a statement continued over several
	// lines reports its last line, and an error on a last line without a
	// final newline reports the line before it.
	Line int
	// Col is the 1-based byte column of the error position on the
	// physical line where that position lies.
	Col int
	// Byte is libuci's byte: the parser's 0-based offset inside the
	// buffer of the current statement, which holds every line the
	// statement spans (so it can exceed the length of one line).
	Byte int
	// Offset is the 0-based byte offset of the error position in the
	// file.
	Offset int
	// Reason is libuci's reason text, e.g. "invalid command".
	Reason string
	// Code is CodeParse, or CodeMem when the file's NUL bytes exhaust
	// libuci's line buffer: libuci then fails with "Out of memory"
	// instead, even in `uci -S`.
	Code Code
}

// Error returns "FILE:LINE:COL: REASON".
func (e *ParseError) Error() string {
	return e.File + ":" + strconv.Itoa(e.Line) + ":" + strconv.Itoa(e.Col) + ": " + e.Reason
}

// LibUCI returns the message libuci prints for this error:
// "Parse error (REASON) at line L, byte B".
func (e *ParseError) LibUCI() string {
	return "Parse error (" + e.Reason + ") at line " + strconv.Itoa(e.Line) + ", byte " + strconv.Itoa(e.Byte)
}

// libuci's reason texts (uci: file.c).
const (
	reasonInvalidCommand = "invalid command"
	reasonInsufficient   = "insufficient arguments"
	reasonInvalidName    = "invalid character in name field"
	reasonInvalidType    = "invalid character in type field"
	reasonTooMany        = "too many arguments"
	reasonBeforeSection  = "option/list command found before the first section"
	reasonTypeOverwrite  = "section of different type overwrites prior section with same name"
	reasonPackageNoName  = "package without name"
	reasonConfigNoName   = "config without name"
	reasonOptionNoName   = "option without name"
	reasonNoPackage      = "attempting to import a file without a package name"
)

// Code is a libuci error code (uci.h UCI_ERR_*). The CLI prints its text
// and `uci add` even uses it as exit status.
type Code int

// libuci error codes, in libuci's numbering.
const (
	CodeOK Code = iota
	CodeMem
	CodeInvalid
	CodeNotFound
	CodeIO
	CodeParse
	CodeDuplicate
	CodeUnknown
)

var codeText = [...]string{
	CodeOK:        "Success",
	CodeMem:       "Out of memory",
	CodeInvalid:   "Invalid argument",
	CodeNotFound:  "Entry not found",
	CodeIO:        "I/O error",
	CodeParse:     "Parse error",
	CodeDuplicate: "Duplicate entry",
	CodeUnknown:   "Unknown error",
}

// String returns libuci's text for the code ("Invalid argument", …).
func (c Code) String() string {
	if c < 0 || int(c) >= len(codeText) {
		return codeText[CodeUnknown]
	}
	return codeText[c]
}

// Error is a non-syntax failure of an operation, carrying the libuci code
// so the CLI can print exactly what uci prints.
type Error struct {
	Code Code
	// Op names the operation and its argument for Go callers, e.g.
	// `set firewall.bad-name`; the libuci text is Code.String().
	Op string
}

func (e *Error) Error() string {
	if e.Op == "" {
		return e.Code.String()
	}
	return e.Op + ": " + e.Code.String()
}

// Is makes errors.Is(err, ErrNotFound) and friends work.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Op == "" && t.Code == e.Code
}

// Sentinel errors for errors.Is.
var (
	ErrInvalid  = &Error{Code: CodeInvalid}
	ErrNotFound = &Error{Code: CodeNotFound}
	ErrParse    = &Error{Code: CodeParse}
)

func errf(code Code, op string) error { return &Error{Code: code, Op: op} }

// toParseError positions a reader error in the file it came from.
func toParseError(e *syntax.Error, file string, src []byte) *ParseError {
	off := e.Offset
	if off > len(src) {
		off = len(src)
	}
	start := off
	for start > 0 && src[start-1] != '\n' {
		start--
	}
	code := CodeParse
	if e.OOM {
		code = CodeMem
	}
	return &ParseError{File: file, Line: e.Line, Col: off - start + 1, Byte: e.Byte, Offset: off, Reason: e.Reason, Code: code}
}
