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

// Errors is every problem Parse found, in file order. Parse never stops at
// the first one, so a user fixes a config in one round.
type Errors struct {
	List []*FieldError
}

func (e *Errors) Error() string {
	switch len(e.List) {
	case 0:
		return "no errors"
	case 1:
		return e.List[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d errors:", len(e.List))
	for _, fe := range e.List {
		b.WriteString("\n\t")
		b.WriteString(fe.Error())
	}
	return b.String()
}

// Unwrap lets errors.As find the individual *FieldError values.
func (e *Errors) Unwrap() []error {
	out := make([]error, len(e.List))
	for i, fe := range e.List {
		out[i] = fe
	}
	return out
}

func (e *Errors) add(path, format string, args ...any) {
	e.List = append(e.List, &FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (e *Errors) err() error {
	if len(e.List) == 0 {
		return nil
	}
	return e
}
