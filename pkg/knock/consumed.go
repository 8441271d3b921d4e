package knock

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/uciknock/uciknock/internal/atomicfile"
	"github.com/uciknock/uciknock/pkg/totp"
)

// FileConsumed is a Consumed kept in a file, one key per line (for example
// /etc/uciknock/<name>.used). Store replaces the file atomically: it writes
// a temporary file in the same directory, fsyncs it, renames it over Path
// and fsyncs the directory, so after a crash the file holds either the old
// or the new set, never a mix.
type FileConsumed struct {
	Path string
	Mode fs.FileMode // permissions of a new file; zero means 0600
}

// Load returns the keys in the file; a missing file holds none. Blank lines
// and lines starting with '#' are skipped.
func (f *FileConsumed) Load() ([]string, error) {
	data, err := os.ReadFile(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var keys []string
	// Split, not bufio.Scanner: the file is in memory, and bufio would
	// add 12 KB to the router binary.
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		keys = append(keys, line)
	}
	return keys, nil
}

// Store atomically replaces the file's content with keys.
func (f *FileConsumed) Store(keys []string) error {
	var b bytes.Buffer
	b.WriteString("# used knock sequences, written by uciknockd; do not edit while it runs\n")
	for _, k := range keys {
		if strings.ContainsAny(k, "\n\r") {
			return fmt.Errorf("consumed key %q contains a newline", k)
		}
		b.WriteString(k)
		b.WriteByte('\n')
	}
	return atomicfile.Write(f.Path, b.Bytes(), f.Mode)
}

// MemoryConsumed is a Consumed that lives only in memory: for tests, and for
// callers that deliberately accept a replay after a restart.
type MemoryConsumed struct {
	mu   sync.Mutex // guards keys
	keys []string
}

// Load returns a copy of the stored keys.
func (m *MemoryConsumed) Load() ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.keys), nil
}

// Store replaces the stored keys with a copy of keys.
func (m *MemoryConsumed) Store(keys []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys = slices.Clone(keys)
	return nil
}

// Merge adds to the file the keys of the files at paths (missing ones hold
// none) for which keep returns true, and stores the result when it grew.
// It returns the keys added. It carries records over from files named by
// an earlier scheme or an earlier version of the sequence: merged records
// only ever mark more knocks used, so a merge can never allow a replay.
func (f *FileConsumed) Merge(paths []string, keep func(key string) bool) ([]string, error) {
	keys, err := f.Load()
	if err != nil {
		return nil, err
	}
	var added []string
	for _, p := range paths {
		if p == f.Path {
			continue
		}
		other, err := (&FileConsumed{Path: p}).Load()
		if err != nil {
			return nil, err
		}
		for _, k := range other {
			if keep(k) && !slices.Contains(keys, k) {
				keys = append(keys, k)
				added = append(added, k)
			}
		}
	}
	if len(added) == 0 {
		return nil, nil
	}
	return added, f.Store(keys)
}

// totpKey is the stored record of a TOTP sequence's last used step n:
// "totp:N".
func totpKey(n uint64) string { return "totp:" + strconv.FormatUint(n, 10) }

// parseTOTPKey reads a totpKey record; false when k is not one.
func parseTOTPKey(k string) (uint64, bool) {
	digits, ok := strings.CutPrefix(k, "totp:")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	return n, err == nil
}

// Meaningful returns which stored keys are records this sequence can use
// at now: for a one-time sequence the lists it has (FormatSteps), for a
// TOTP sequence "totp:N" records of steps not after now's next one. Merge
// takes it, so that records carried over from elsewhere never block a
// good knock.
func (s *Sequence) Meaningful(now time.Time) func(key string) bool {
	if t := s.TOTP; t != nil {
		limit := totp.Counter(now, t.Period) + 1 // Counter takes 0 as totp.DefaultPeriod
		return func(k string) bool {
			n, ok := parseTOTPKey(k)
			return ok && n <= limit
		}
	}
	lists := map[string]bool{}
	for _, o := range s.OneTime {
		lists[FormatSteps(o)] = true
	}
	return func(k string) bool { return lists[k] }
}
