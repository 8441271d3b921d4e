package main

import (
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/uci"
)

// checkResult is `uciknockd check --json`: what LuCI shows after Save.
// Every error carries its UCI path split into section and option, so the
// form can put the message next to the field it is about.
type checkResult struct {
	OK        bool         `json:"ok"`
	File      string       `json:"file"`
	Enabled   bool         `json:"enabled,omitempty"`
	Sequences int          `json:"sequences"`
	Errors    []checkError `json:"errors"`
	Warnings  []string     `json:"warnings"`
}

type checkError struct {
	// Path is the UCI path as `uci show` prints it
	// (`knock.@sequence[2].dest_port`); empty for a syntax error.
	Path    string `json:"path"`
	Section string `json:"section,omitempty"` // `@sequence[2]` or `ssh`
	Option  string `json:"option,omitempty"`  // empty: the whole section
	Message string `json:"message"`
	Line    int    `json:"line,omitempty"` // syntax errors: libuci's line
}

// writeCheckJSON prints the result of checkConfig. A configuration with
// errors is still a successful run of the command's JSON output, but the
// exit status stays 1 so scripts can test it.
func writeCheckJSON(w io.Writer, path string, cfg *config.Config, warnings []string, err error) error {
	res := checkResult{File: path, Errors: []checkError{}, Warnings: warnings}
	if res.Warnings == nil {
		res.Warnings = []string{}
	}
	var fieldErrs *config.Errors
	var parseErr *uci.ParseError
	switch {
	case err == nil:
		res.OK, res.Enabled, res.Sequences = true, cfg.Global.Enabled, len(cfg.Sequences)
	case errors.As(err, &fieldErrs):
		for _, fe := range fieldErrs.List {
			res.Errors = append(res.Errors, pathError(fe.Path, fe.Msg))
		}
	case errors.As(err, &parseErr):
		res.Errors = append(res.Errors, checkError{Message: parseErr.Error(), Line: parseErr.Line})
	default:
		res.Errors = append(res.Errors, checkError{Message: err.Error()})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if encErr := enc.Encode(res); encErr != nil {
		return encErr
	}
	if !res.OK {
		return errCheckFailed
	}
	return nil
}

// errCheckFailed makes `check --json` exit 1 after printing the errors.
var errCheckFailed = errors.New("configuration has errors (see the JSON output)")

// pathError splits `knock.SECTION[.OPTION]`. Section names never hold a
// dot (libuci allows [A-Za-z0-9_] and the `@type[N]` form), option names
// neither.
func pathError(path, msg string) checkError {
	ce := checkError{Path: path, Message: msg}
	parts := strings.Split(path, ".")
	if len(parts) >= 2 {
		ce.Section = parts[1]
	}
	if len(parts) >= 3 {
		ce.Option = strings.Join(parts[2:], ".")
	}
	return ce
}
