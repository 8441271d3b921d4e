package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// ClockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat: 100
// on every Linux architecture uciknock runs on.
const ClockTicks = 100

// ProcSample is one look at a process: CPU time used so far and memory.
type ProcSample struct {
	At       time.Time
	CPUTicks uint64 // utime + stime, in 1/ClockTicks s
	CPUNs    uint64 // on-CPU time of all threads from schedstat (0: not available)
	RSSKiB   int    // VmRSS
	HWMKiB   int    // VmHWM: peak RSS since start or the last ResetPeak
}

// ReadProc samples /proc/PID/stat and /proc/PID/status.
func ReadProc(pid int) (ProcSample, error) {
	s := ProcSample{At: time.Now()}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, fmt.Errorf("process %d: %w", pid, err)
	}
	if s.CPUTicks, err = ParseStatCPU(string(stat)); err != nil {
		return s, fmt.Errorf("process %d: %w", pid, err)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, fmt.Errorf("process %d: %w", pid, err)
	}
	s.RSSKiB, s.HWMKiB = ParseStatusMem(string(status))
	s.CPUNs = schedNs(pid)
	return s, nil
}

// schedNs sums the first field of /proc/PID/task/*/schedstat: nanoseconds
// on a CPU, far finer than stat's 10 ms ticks. 0 when the kernel lacks
// schedstat or a thread vanished mid-read.
func schedNs(pid int) uint64 {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return 0
	}
	var total uint64
	for _, t := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/schedstat", pid, t.Name()))
		if err != nil {
			return 0
		}
		n, err := ParseSchedstat(string(b))
		if err != nil {
			return 0
		}
		total += n
	}
	return total
}

// ParseSchedstat returns the on-CPU nanoseconds, the first of the three
// fields of /proc/PID/task/TID/schedstat.
func ParseSchedstat(s string) (uint64, error) {
	f := strings.Fields(s)
	if len(f) != 3 {
		return 0, fmt.Errorf("schedstat: %q: want 3 fields", s)
	}
	n, err := strconv.ParseUint(f[0], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("schedstat: %w", err)
	}
	return n, nil
}

// ResetPeak resets the process's VmHWM to its current RSS (clear_refs 5),
// so the next sample's HWMKiB is the peak since now.
func ResetPeak(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// CPUPercent is the CPU used between two samples in % of one core: from
// schedstat when both samples have it and it did not go backwards (a
// thread exited), else from utime+stime.
func CPUPercent(a, b ProcSample) float64 {
	wall := b.At.Sub(a.At).Seconds()
	if wall <= 0 {
		return 0
	}
	if a.CPUNs > 0 && b.CPUNs >= a.CPUNs {
		return 100 * float64(b.CPUNs-a.CPUNs) / 1e9 / wall
	}
	if b.CPUTicks < a.CPUTicks {
		return 0
	}
	return 100 * float64(b.CPUTicks-a.CPUTicks) / ClockTicks / wall
}

// ParseStatCPU returns utime+stime from the text of /proc/PID/stat. The
// command name (field 2) may hold blanks and parentheses, so fields are
// counted from the last ')'.
func ParseStatCPU(stat string) (uint64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("stat: no ')' in %q", stat)
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("stat: %d fields after the command name, want at least 13", len(f))
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("stat: utime %q, stime %q: not numbers", f[11], f[12])
	}
	return ut + st, nil
}

// ParseStatusMem returns VmRSS and VmHWM in KiB from the text of
// /proc/PID/status (0 for a missing line, as for a kernel thread).
func ParseStatusMem(status string) (rss, hwm int) {
	for _, line := range strings.Split(status, "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(val), " kB"))
		if err != nil {
			continue
		}
		switch key {
		case "VmRSS":
			rss = n
		case "VmHWM":
			hwm = n
		}
	}
	return rss, hwm
}
