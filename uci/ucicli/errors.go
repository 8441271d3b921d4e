package ucicli

import (
	"errors"

	"github.com/uciknock/uciknock/uci"
	"github.com/uciknock/uciknock/uci/internal/syntax"
)

// errf is a libuci error code with the operation it failed, for Go
// callers; uci prints only the code's text.
func errf(code uci.Code, op string) error { return &uci.Error{Code: code, Op: op} }

// codeOf maps any error to the libuci code uci would report for it.
func codeOf(err error) uci.Code {
	var pe *uci.ParseError
	if errors.As(err, &pe) {
		return uci.CodeParse
	}
	var ue *uci.Error
	if errors.As(err, &ue) {
		return ue.Code
	}
	return uci.CodeIO
}

// lexError is the error uci prints for a batch line the tokenizer could
// not read.
func lexError(e *syntax.Error) error {
	if e.OOM {
		return &uci.Error{Code: uci.CodeMem}
	}
	return &uci.ParseError{Reason: e.Reason, Line: e.Line, Byte: e.Byte, Code: uci.CodeParse}
}
