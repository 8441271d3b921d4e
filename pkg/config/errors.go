package config

import (
	"fmt"
	"strings"
)

// FieldError is one problem in the configuration, located by its UCI path:
// `knock.ssh.action` for a named section, `knock.@sequence[2].sequence` for
// an anonymous one (the index counts sections of that type in file order,
// as `uci show` prints them), or just the section path when the problem is
// about the section as a whole.
type FieldError struct {
	Path string
	Msg  string
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Msg }

// ErrorList is every problem a parser found, in input order: parsers here
// never stop at the first one, so a user fixes a file in one round. It is
// the one error-list type of the config parsers (Errors for
// /etc/config/knock, knockdconf.Errors for knockd.conf); E locates each
// problem (a UCI path, a file:line).
type ErrorList[E error] struct {
	List []E
}

func (e *ErrorList[E]) Error() string {
	switch len(e.List) {
	case 0:
		return "no errors"
	case 1:
		return e.List[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d errors:", len(e.List))
	for _, x := range e.List {
		b.WriteString("\n\t")
		b.WriteString(x.Error())
	}
	return b.String()
}

// Unwrap lets errors.As find the individual E values.
func (e *ErrorList[E]) Unwrap() []error {
	out := make([]error, len(e.List))
	for i, x := range e.List {
		out[i] = x
	}
	return out
}

// Err returns e, or nil when it holds no error.
func (e *ErrorList[E]) Err() error {
	if len(e.List) == 0 {
		return nil
	}
	return e
}

// Errors is every problem Parse found, in file order, each at its UCI path.
type Errors = ErrorList[*FieldError]

// addf adds a problem at path to errs.
func addf(errs *Errors, path, format string, args ...any) {
	errs.List = append(errs.List, &FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
}
