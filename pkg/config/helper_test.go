package config

import (
	"errors"
	"testing"

	"github.com/uciknock/uciknock/uci"
)

// pkgFrom parses test config text with the real UCI parser.
func pkgFrom(t testing.TB, text string) *uci.Package {
	t.Helper()
	p, err := uci.Parse("knock", []byte(text))
	if err != nil {
		t.Fatalf("uci.Parse: %v", err)
	}
	return p
}

// parseText parses test config text.
func parseText(t testing.TB, text string) (*Config, error) {
	t.Helper()
	return Parse(pkgFrom(t, text))
}

// mustParse parses text that must be valid.
func mustParse(t testing.TB, text string) *Config {
	t.Helper()
	c, err := parseText(t, text)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

// fieldErrors returns the "path: msg" lines of err, failing on other errors.
func fieldErrors(t testing.TB, err error) []string {
	t.Helper()
	var es *Errors
	if !errors.As(err, &es) {
		t.Fatalf("error %v (%T) is not *Errors", err, err)
	}
	var out []string
	for _, fe := range es.List {
		out = append(out, fe.Error())
	}
	return out
}
