package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/pkg/knock"
	"github.com/uciknock/uciknock/pkg/knockdconf"
)

// buildEngine turns a validated config into a knock engine. One-time and
// TOTP sequences get a file under stateDir that records what was used, so a
// restart or reboot never allows a replay.
func buildEngine(cfg *config.Config, stateDir string, warn func(string)) (*knock.Engine, error) {
	seqs := make([]knock.Sequence, len(cfg.Sequences))
	for i := range cfg.Sequences {
		s := &cfg.Sequences[i]
		ks := s.Knock()
		if s.OneTimeFile != "" {
			steps, err := readOneTimeFile(s.OneTimeFile, warn)
			if err != nil {
				return nil, fmt.Errorf("%s.one_time_file: %w", s.Path, err)
			}
			ks.OneTime = steps
		}
		if len(ks.OneTime) > 0 || ks.TOTP != nil {
			if err := os.MkdirAll(stateDir, 0o700); err != nil {
				return nil, fmt.Errorf("state dir: %w", err)
			}
			ks.Consumed = &knock.FileConsumed{Path: filepath.Join(stateDir, stateFileName(s.Path)+".used")}
		}
		seqs[i] = ks
	}
	return knock.New(knock.Config{Sequences: seqs, Capacity: cfg.Global.Capacity})
}

// stateFileName derives a file name from a sequence's UCI path
// (knock.ssh_open → ssh_open, knock.@sequence[2] → sequence_2). Named
// sections keep their state when sections are reordered; docs tell users
// to name one-time sequences for that reason.
func stateFileName(path string) string {
	path = strings.TrimPrefix(path, "knock.")
	var b strings.Builder
	for _, r := range path {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
		case r == '[':
			b.WriteByte('_')
		}
	}
	return b.String()
}

// readOneTimeFile reads a knockd one_time_sequences file (see
// knockdconf.ParseOneTime): invalid lines are skipped with a warning as in
// knockd. Used sequences are recorded by content under state_dir, so a
// skipped line can never shift which sequence counts as used (knockd bug).
func readOneTimeFile(path string, warn func(string)) ([][]knock.Step, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	ot, err := knockdconf.ParseOneTime(path, data)
	if err != nil {
		return nil, err
	}
	for _, w := range ot.Warnings {
		warn(fmt.Sprintf("%s:%d: %s", path, w.Line, w.Msg))
	}
	return ot.Sequences, nil
}

// describeKnocks renders a sequence's knocks for `check` and log lines.
func describeKnocks(s *config.Sequence) string {
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
