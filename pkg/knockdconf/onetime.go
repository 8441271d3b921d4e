package knockdconf

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/uciknock/uciknock/pkg/knock"
)

// OneTime is a parsed knockd one-time sequences file.
type OneTime struct {
	// Sequences in file order, each with the line it came from.
	Sequences [][]knock.Step
	Lines     []int
	// Warnings name the invalid lines, which are skipped as knockd skips
	// them.
	Warnings []Warning
}

// ParseOneTime reads a knockd one_time_sequences file: one sequence per
// line in Sequence syntax, lines trimmed, blank lines and lines starting
// with '#' (knockd's mark for a used sequence) skipped. An invalid line is
// skipped with a warning, as knockd does; a file without any valid line is
// an error, as in knockd. Used sequences are tracked by the daemon under
// state_dir; the file is never rewritten.
func ParseOneTime(name string, data []byte) (*OneTime, error) {
	ot := &OneTime{}
	for i, raw := range bytes.Split(data, []byte("\n")) {
		s := strings.TrimSpace(string(raw))
		if s == "" || s[0] == '#' {
			continue
		}
		steps, err := knock.ParseSteps(s)
		if err != nil {
			ot.Warnings = append(ot.Warnings, Warning{i + 1, fmt.Sprintf("line skipped: %v", err)})
			continue
		}
		ot.Sequences = append(ot.Sequences, steps)
		ot.Lines = append(ot.Lines, i+1)
	}
	if len(ot.Sequences) == 0 {
		return nil, fmt.Errorf("%s: no valid sequence in the one-time sequences file", name)
	}
	return ot, nil
}
