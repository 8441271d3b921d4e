package config

import (
	"errors"
	"strings"

	"github.com/uciknock/uciknock/uci"
)

// Report is `uciknockd check --json`: what LuCI shows after Save. Every
// error carries its UCI path split into section and option, so the form
// can put the message next to the field it is about.
type Report struct {
	OK        bool          `json:"ok"`
	File      string        `json:"file"`
	Enabled   bool          `json:"enabled,omitempty"`
	Sequences int           `json:"sequences"`
	Errors    []ReportError `json:"errors"`
	Warnings  []string      `json:"warnings"`
}

// ReportError is one error of a Report.
type ReportError struct {
	// Path is the UCI path as `uci show` prints it
	// (`knock.@sequence[2].dest_port`); empty for a syntax error.
	Path    string `json:"path"`
	Section string `json:"section,omitempty"` // `@sequence[2]` or `ssh`
	Option  string `json:"option,omitempty"`  // empty: the whole section
	Message string `json:"message"`
	Line    int    `json:"line,omitempty"` // syntax errors: libuci's line
}

// NewReport describes the outcome of checking file: cfg when it is valid,
// else err (Errors, a *uci.ParseError, or any other error). Errors and
// Warnings are never nil, so the JSON has lists, not nulls.
func NewReport(file string, cfg *Config, warnings []string, err error) Report {
	res := Report{File: file, Errors: []ReportError{}, Warnings: warnings}
	if res.Warnings == nil {
		res.Warnings = []string{}
	}
	var fieldErrs *Errors
	var parseErr *uci.ParseError
	switch {
	case err == nil:
		res.OK, res.Enabled, res.Sequences = true, cfg.Global.Enabled, len(cfg.Sequences)
	case errors.As(err, &fieldErrs):
		for _, fe := range fieldErrs.List {
			res.Errors = append(res.Errors, pathError(fe.Path, fe.Msg))
		}
	case errors.As(err, &parseErr):
		res.Errors = append(res.Errors, ReportError{Message: parseErr.Error(), Line: parseErr.Line})
	default:
		res.Errors = append(res.Errors, ReportError{Message: err.Error()})
	}
	return res
}

// pathError splits `knock.SECTION[.OPTION]`. Section names never hold a
// dot (libuci allows [A-Za-z0-9_] and the `@type[N]` form), option names
// neither.
func pathError(path, msg string) ReportError {
	ce := ReportError{Path: path, Message: msg}
	parts := strings.Split(path, ".")
	if len(parts) >= 2 {
		ce.Section = parts[1]
	}
	if len(parts) >= 3 {
		ce.Option = strings.Join(parts[2:], ".")
	}
	return ce
}
