package main

import (
	"fmt"
	"strings"
)

// Markdown renders the report as the knockbench section of
// docs/benchmarks.md: the machine, a side-by-side table of the general
// scenarios, and one of the floods.
func (r *Report) Markdown() string {
	var b strings.Builder
	m, s := r.Machine, r.Settings
	fmt.Fprintf(&b, "Measured %s on %s (%d CPUs), Linux %s; load average %s at the start, %s at the end "+
		"(other jobs shared the machine).\n\n", r.Date, m.Model, m.CPUs, m.Kernel, m.LoadStart, m.LoadEnd)
	var vs []string
	for _, d := range r.Daemons {
		vs = append(vs, d.Version)
	}
	fmt.Fprintf(&b, "Daemons: %s.\n\n", strings.Join(vs, "; "))
	fmt.Fprintf(&b, "Door: %s. Knocks are kernel-made (a non-blocking `connect()` per TCP knock, like knockd's "+
		"`knock`), %d ms apart; each sequence comes from its own client address. uciknockd runs with "+
		"`batch_window` %d ms (the default), so its latency to the firewall commit includes that window.\n\n",
		s.Door, s.KnockGapMs, s.BatchWindowMs)
	r.generalTable(&b)
	b.WriteString("\n")
	fmt.Fprintf(&b, "Floods: spoofed IPv4 frames from 198.18.0.0/15 written through AF_PACKET in the client "+
		"namespace, target %d packets/s for %g s each; 10 legitimate sequences (knocks %d ms apart) during each "+
		"flood from the second %g s on, then one more after it (\"recovers\", time from its last knock to the action). "+
		"Each flood starts a fresh daemon. CPU is the daemon's on-CPU time (schedstat of all its threads) in %% of one core, "+
		"over the first second (flood only) and over the whole flood (with the 10 opens); RSS is VmRSS before the flood, "+
		"after its first second (flood only, no door opened yet) and after the recovery check; peak is VmHWM reset before the flood. Kernel drops: uciknockd's own count "+
		"(PACKET_STATISTICS, logged at exit) of the packets its filter passed; knockd (libpcap) reports none.\n\n",
		s.FloodPPS, s.FloodSeconds, s.LegitGapMs, 1.0)
	r.floodTable(&b)
	b.WriteString("\n" + r.spoofedLine())
	b.WriteString("\nTargets for uciknockd: 18/18 overlapping, 10/10 legitimate during every flood, ≤ 1 % CPU " +
		"during non-knock floods, RSS ≤ 16 MB and flat during the 131,072-source flood, idle RSS ≤ 8 MB.\n")
	for _, d := range r.Daemons {
		for _, e := range d.Errors {
			fmt.Fprintf(&b, "\n- %s: could not run: %s", d.Name, oneLine(e, 300))
		}
	}
	return b.String()
}

func (r *Report) generalTable(b *strings.Builder) {
	b.WriteString("| Scenario |")
	sep := "|---|"
	for _, d := range r.Daemons {
		fmt.Fprintf(b, " %s |", d.Name)
		sep += "---|"
	}
	b.WriteString(" Target (uciknockd) |\n" + sep + "---|\n")
	row := func(name, target string, cell func(d DaemonResult) string) {
		fmt.Fprintf(b, "| %s |", name)
		for _, d := range r.Daemons {
			fmt.Fprintf(b, " %s |", cell(d))
		}
		fmt.Fprintf(b, " %s |\n", target)
	}
	row("Idle RSS", "≤ 8 MB", func(d DaemonResult) string { return mib(d.IdleRSSKiB) })
	row("Last knock → action, IPv4: p50 / p90 / p99 (opened)", "", func(d DaemonResult) string { return latency(d.Latency4) })
	row("Last knock → action, IPv6: p50 / p90 / p99 (opened)", "", func(d DaemonResult) string { return latency(d.Latency6) })
	row("Last knock → firewall reload ran, IPv4", "", func(d DaemonResult) string { return optLatency(d.Reload4) })
	row("Last knock → action, IPv4, uciknockd with `batch_window 0`", "", func(d DaemonResult) string {
		s := optLatency(d.Unbatched4)
		if d.Unbatched4 != nil && d.Unbatched4.Opened > 0 && d.Unbatched4.P50ms >= 0.8*d.Latency4.P50ms {
			s += "; no faster than the default window: `batch_window 0` did not take effect"
		}
		return s
	})
	row(fmt.Sprintf("%d overlapping sequences from %d sources, 10 ms apart: opened", r.Settings.OverlapSources,
		r.Settings.OverlapSources), fmt.Sprintf("%d/%d", r.Settings.OverlapSources, r.Settings.OverlapSources),
		func(d DaemonResult) string { return d.Overlap.String() })
	row(fmt.Sprintf("Burst of %d opens: opened", r.Settings.BurstSources), "", func(d DaemonResult) string { return d.Burst.Opens.String() })
	row("RSS after the burst (all doors open)", "", func(d DaemonResult) string { return mib(d.BurstRSS) })
	row("Burst: firewall file writes / reloads", "few", func(d DaemonResult) string {
		w := fmt.Sprint(d.Burst.Writes)
		if d.Burst.Writes < 0 {
			w = "—"
		}
		s := fmt.Sprintf("%s / %d", w, d.Burst.Reloads)
		if d.Burst.Note != "" {
			s += " (" + d.Burst.Note + ")"
		}
		return s
	})
}

func (r *Report) floodTable(b *strings.Builder) {
	b.WriteString("| Flood | Daemon | Sent (pps) | Legit opened (longest knock gap) | CPU %: flood only / whole | " +
		"RSS MiB: before / flood only / after / peak | Kernel drops | Recovers |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	var names []string
	seen := map[string]bool{}
	for _, d := range r.Daemons {
		for _, f := range d.Floods {
			if !seen[f.Name] {
				seen[f.Name] = true
				names = append(names, f.Name)
			}
		}
	}
	for _, name := range names {
		for _, d := range r.Daemons {
			for _, f := range d.Floods {
				if f.Name == name {
					b.WriteString(floodRow(d.Name, f))
				}
			}
		}
	}
}

func floodRow(daemon string, f FloodResult) string {
	if f.Error != "" {
		return fmt.Sprintf("| %s | %s | — | — | — | — | — | not run: %s |\n", f.Name, daemon, oneLine(f.Error, 120))
	}
	drops := "n/a"
	if f.KernelDrops != nil {
		drops = fmt.Sprint(*f.KernelDrops)
		if f.Received != nil {
			drops += fmt.Sprintf(" of %d", *f.Received+*f.KernelDrops)
		}
	}
	rec := "no"
	if f.Recovered {
		rec = fmt.Sprintf("yes (%.0f ms)", f.RecoveryMs)
	}
	return fmt.Sprintf("| %s | %s | %d (%.0f) | %s (%.0f ms) | %.1f / %.1f | %.1f / %.1f / %.1f / %.1f | %s | %s |\n",
		f.Name, daemon, f.Sent, f.PPS, f.Legit, f.MaxGapMs, f.CPUQuiet, f.CPUPercent, float64(f.RSSBefore)/1024,
		float64(f.RSSFlood)/1024, float64(f.RSSAfter)/1024, float64(f.RSSPeak)/1024, drops, rec)
}

// spoofedLine says whether any flood source got a door.
func (r *Report) spoofedLine() string {
	var parts []string
	total := 0
	for _, d := range r.Daemons {
		n := 0
		for _, f := range d.Floods {
			n += f.SpoofedOpened
		}
		total += n
		parts = append(parts, fmt.Sprintf("%s %d", d.Name, n))
	}
	if total == 0 {
		return "No flood source (198.18.0.0/15) got a door from either daemon.\n"
	}
	return "Doors opened for flood sources (198.18.0.0/15): " + strings.Join(parts, ", ") + ".\n"
}

func optLatency(l *Latency) string {
	if l == nil {
		return "—"
	}
	return latency(*l)
}

func mib(kib int) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }

func latency(l Latency) string {
	if l.Opened == 0 {
		s := fmt.Sprintf("none opened (0/%d)", l.Sequences)
		if l.Note != "" {
			s += "; " + l.Note
		}
		return s
	}
	s := fmt.Sprintf("%.1f / %.1f / %.1f ms (%d/%d)", l.P50ms, l.P90ms, l.P99ms, l.Opened, l.Sequences)
	if l.Note != "" {
		s += "; " + l.Note
	}
	return s
}

// oneLine keeps a message on one table line: newlines and pipes replaced,
// cut to n bytes.
func oneLine(s string, n int) string {
	s = strings.NewReplacer("\n", " ", "|", "/").Replace(s)
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}
