//go:build windows || plan9

package main

import (
	"errors"
	"io"

	"github.com/rs/zerolog"
)

type syslogWriter struct{ zerolog.LevelWriter }

func dialSyslog(network, addr string, fallback io.Writer) (*syslogWriter, error) {
	return nil, errors.New("syslog is not supported on this system")
}
