package daemon

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/pkg/knock"
	"github.com/uciknock/uciknock/pkg/knockdconf"
)

// buildEngine turns a validated config into a knock engine. One-time and
// TOTP sequences get a file under stateDir that records what was used, so a
// restart or reboot never allows a replay.
func buildEngine(cfg *config.Config, stateDir string, warn func(string)) (*knock.Engine, error) {
	if err := checkStateDir(cfg, stateDir); err != nil {
		warn(err.Error())
	}
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
			rec, err := openUseRecord(stateDir, s, ks, warn)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.Path, err)
			}
			ks.Consumed = rec
		}
		seqs[i] = ks
	}
	return knock.New(knock.Config{Sequences: seqs, Capacity: cfg.Global.Capacity})
}

// earlierUseRecords returns the paths of s's use records in stateDir
// (config.IsEarlierUseRecord) in name order; none when the directory
// cannot be read. A directory listing rather than filepath.Glob: the
// name is matched literally, and Glob's matcher and sort are 4 KB of the
// router binary (docs/benchmarks.md, binary sizes).
func earlierUseRecords(stateDir string, s *config.Sequence) []string {
	d, err := os.Open(stateDir)
	if err != nil {
		return nil
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	var paths []string
	for _, n := range names {
		if config.IsEarlierUseRecord(s, n) {
			paths = append(paths, filepath.Join(stateDir, n))
		}
	}
	sort.Slice(paths, func(i, j int) bool { return paths[i] < paths[j] })
	return paths
}

// openUseRecord returns the file that records a one-time or TOTP
// sequence's used knocks, named by config.Sequence.UseRecord (name and
// knocks, not position). Records of the same sequence kept elsewhere are
// merged into it first: the file named after the section's position by
// earlier versions (stateFileName), and, for one-time lists, the records
// of earlier versions of the sequence (same name, lists since edited).
// Only keys that are still meaningful are merged — lists this sequence
// has, TOTP steps not in the future — so a merge never blocks a good knock
// and never lets a used one work again.
func openUseRecord(stateDir string, s *config.Sequence, ks knock.Sequence, warn func(string)) (*knock.FileConsumed, error) {
	rec := &knock.FileConsumed{Path: filepath.Join(stateDir, s.UseRecord())}
	legacy := filepath.Join(stateDir, stateFileName(s.Path)+".used")
	sources := []string{legacy}
	if ks.TOTP == nil {
		sources = append(sources, earlierUseRecords(stateDir, s)...)
	}
	added, err := rec.Merge(sources, ks.Meaningful(time.Now()))
	if err != nil {
		return nil, fmt.Errorf("use record: %w", err)
	}
	if len(added) > 0 {
		warn(fmt.Sprintf("%s: %d used record(s) carried over into %s from older state files (such as %s), which are no longer written and may be deleted", s.Path, len(added), rec.Path, legacy))
	}
	return rec, nil
}

// stateFileName is the file name earlier versions derived from a
// sequence's UCI path (knock.ssh_open → ssh_open, knock.@sequence[2] →
// sequence_2): renumbering sections moved records between sequences
// (issue 10), so it is read only to carry records over.
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
