package config

import (
	"fmt"
	"os"

	"github.com/uciknock/uciknock/pkg/knock"
	"github.com/uciknock/uciknock/uci"
)

// Load reads and validates a knock configuration file (/etc/config/knock):
// syntax errors carry file:line:col, validation errors list every problem
// with its UCI path, prefixed by the file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pkg, err := uci.ParseFile(path, "knock", data)
	if err != nil {
		return nil, err
	}
	cfg, err := Parse(pkg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// DescribeKnocks renders the sequence's knocks for `uciknockd check` and
// log lines: its steps, or what kind of sequence it is.
func (s *Sequence) DescribeKnocks() string {
	switch {
	case s.TOTP != nil:
		return "TOTP"
	case s.OneTimeFile != "":
		return "one-time sequences from " + s.OneTimeFile
	case len(s.OneTime) > 0:
		return fmt.Sprintf("%d one-time sequence(s)", len(s.OneTime))
	default:
		return knock.FormatSteps(s.Steps)
	}
}
