package daemon

import (
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/uciknock/uciknock/pkg/capture"
)

// defaultMemoryLimit is the Go runtime's soft memory limit unless
// --memory-limit or GOMEMLIMIT says otherwise. The daemon's Go memory
// (heap, stacks, runtime; not the binary or the capture ring) stays near
// 2 MiB idle and 6 MiB with full tables and a hundred doors open
// (docs/benchmarks.md), so 16 MiB never slows it down in normal work and
// makes the collector work harder, well before a 64 MB router runs short,
// if something ever grows. GOGC stays at Go's 100: lower values made the
// idle daemon bigger, not smaller (more collector state than garbage
// saved).
const defaultMemoryLimit = 16 << 20

// SetMemoryLimit applies the soft memory limit: flag ("" for the default,
// "off" for none, else bytes with an optional KiB/MiB/GiB suffix). A
// GOMEMLIMIT in the environment wins over the default (the runtime has
// already applied it) but not over an explicit flag. It returns the limit
// in force, -1 for none.
func SetMemoryLimit(flag string) (int64, error) {
	switch {
	case flag == "off":
		debug.SetMemoryLimit(1<<63 - 1)
		return -1, nil
	case flag == "" && os.Getenv("GOMEMLIMIT") != "":
		return debug.SetMemoryLimit(-1), nil
	case flag == "":
		debug.SetMemoryLimit(defaultMemoryLimit)
		return defaultMemoryLimit, nil
	}
	n, err := parseBytes(flag)
	if err != nil {
		return 0, fmt.Errorf("--memory-limit %q: %w", flag, err)
	}
	debug.SetMemoryLimit(n)
	return n, nil
}

// RingOption turns --capture-ring (bytes with an optional KiB/MiB suffix,
// a multiple of 64 KiB; "" for the default) into the capture option, nil
// for the default.
func RingOption(flag string) (capture.Option, error) {
	if flag == "" {
		return nil, nil
	}
	n, err := parseSize(flag)
	const step = 64 << 10
	if err != nil || n%step != 0 || n < 4*step || n > 1024*step {
		return nil, fmt.Errorf("--capture-ring %q: want a multiple of 64KiB from 256KiB to 64MiB (default %dKiB)", flag, capture.DefaultRingSize>>10)
	}
	return capture.WithRing(int(n)), nil
}

func parseBytes(s string) (int64, error) {
	n, err := parseSize(s)
	if err != nil {
		return 0, fmt.Errorf("want a positive size in bytes, KiB, MiB or GiB (e.g. 16MiB) or off")
	}
	if n < 4<<20 {
		return 0, fmt.Errorf("%d bytes is below the daemon's own working set; want at least 4MiB", n)
	}
	return n, nil
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"B", 1}} {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = v, u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a positive size", s)
	}
	return n * mult, nil
}
