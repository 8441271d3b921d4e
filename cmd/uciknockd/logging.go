package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/rs/zerolog"

	"github.com/uciknock/uciknock/internal/logtext"
)

// newLogger returns the daemon's logger: one line per event on w (stderr,
// which procd forwards to logd, so `logread` shows it). logd stamps the
// time itself, so the text format carries none; format "json" keeps
// zerolog's JSON with a timestamp for collectors.
func newLogger(w io.Writer, level, format string) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(strings.ToLower(level))
	if err != nil || level == "" {
		return zerolog.Nop(), fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	switch format {
	case "json":
		return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
	case "text", "":
		// ConsoleWriter's text without ConsoleWriter: it decodes each
		// event with encoding/json, most of what it adds to the binary.
		return zerolog.New(logtext.New(w)).Level(lvl), nil
	default:
		return zerolog.Nop(), fmt.Errorf("log format %q: want text or json", format)
	}
}
