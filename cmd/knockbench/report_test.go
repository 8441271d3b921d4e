package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func sampleReport() *Report {
	drops, recv := uint64(3), uint64(997)
	return &Report{
		Date:     "2026-11-26T01:00:00Z",
		Machine:  Machine{CPUs: 2, Model: "Test CPU", Kernel: "6.1.0", LoadStart: "0.10 0.20 0.30", LoadEnd: "1.00 1.00 1.00"},
		Settings: Settings{FloodPPS: 200000, FloodSeconds: 5, LatencySeqs: 30, KnockGapMs: 20, LegitGapMs: 100, BatchWindowMs: 100, Door: "7000,8000,9000", OverlapSources: 18, BurstSources: 100},
		Daemons: []DaemonResult{
			{
				Name: "uciknockd", IdleRSSKiB: 7680,
				Latency4:   Latency{Sequences: 30, Opened: 30, P50ms: 110.5, P90ms: 120, P99ms: 130},
				Reload4:    &Latency{Sequences: 30, Opened: 30, P50ms: 112, P90ms: 121, P99ms: 131},
				Unbatched4: &Latency{Sequences: 30, Opened: 30, P50ms: 15, P90ms: 16, P99ms: 17},
				BurstRSS:   9216,
				Overlap:    Count{18, 18},
				Floods: []FloodResult{
					{Name: "first port", Sent: 1000000, PPS: 199999.7, Legit: Count{10, 10}, CPUQuiet: 3.25, CPUPercent: 4,
						RSSBefore: 7680, RSSFlood: 7680, RSSAfter: 8192, RSSPeak: 8192, KernelDrops: &drops, Received: &recv, Recovered: true, RecoveryMs: 115},
				},
				Burst: Burst{Opens: Count{100, 100}, Writes: 2, Reloads: 2},
			},
			{
				Name: "knockd", IdleRSSKiB: 5120,
				Latency4: Latency{Sequences: 30, Opened: 30, P50ms: 30},
				Latency6: Latency{Sequences: 3, Note: "stopped after 3 sequences in a row did not open within 2 s"},
				Overlap:  Count{2, 18},
				Floods: []FloodResult{
					{Name: "first port", Sent: 1000000, PPS: 200000, Legit: Count{0, 10}, CPUPercent: 88, RSSBefore: 5120, RSSFlood: 30720, RSSAfter: 40960, RSSPeak: 40960},
					{Name: "random ports", Error: "start knockd: exited\n| boom"},
				},
				Burst:  Burst{Opens: Count{100, 100}, Writes: -1, Reloads: 100, Note: "commands run"},
				Errors: []string{"flood random ports: start knockd: exited"},
			},
		},
	}
}

func TestMarkdown(t *testing.T) {
	md := sampleReport().Markdown()
	for _, want := range []string{
		"Measured 2026-11-26T01:00:00Z on Test CPU (2 CPUs), Linux 6.1.0; load average 0.10 0.20 0.30",
		"| Scenario | uciknockd | knockd | Target (uciknockd) |\n|---|---|---|---|\n",
		"| Idle RSS | 7.5 MiB | 5.0 MiB | ≤ 8 MB |",
		"| 110.5 / 120.0 / 130.0 ms (30/30) |",
		"none opened (0/3); stopped after 3 sequences",
		"| 112.0 / 121.0 / 131.0 ms (30/30) | — |",
		"`batch_window 0` | 15.0 / 16.0 / 17.0 ms (30/30) | — |",
		"| RSS after the burst (all doors open) | 9.0 MiB | 0.0 MiB |",
		"opened | 18/18 | 2/18 | 18/18 |",
		"| 2 / 2 | — / 100 (commands run) | few |",
		"| first port | uciknockd | 1000000 (200000) | 10/10 (0 ms) | 3.2 / 4.0 | 7.5 / 7.5 / 8.0 / 8.0 | 3 of 1000 | yes (115 ms) |",
		"| first port | knockd | 1000000 (200000) | 0/10 (0 ms) | 0.0 / 88.0 | 5.0 / 30.0 / 40.0 / 40.0 | n/a | no |",
		"| random ports | knockd | — | — | — | — | — | not run: start knockd: exited / boom |",
		"- knockd: could not run: flood random ports",
		"No flood source (198.18.0.0/15) got a door from either daemon.",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	// The flood rows of one flood are adjacent, in daemon order.
	if i, j := strings.Index(md, "| first port | uciknockd"), strings.Index(md, "| first port | knockd"); i < 0 || j < i {
		t.Errorf("flood rows out of order:\n%s", md)
	}
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| ") && strings.Count(line, "|") < 5 {
			t.Errorf("short table row %q", line)
		}
	}
}

func TestMarkdownSpoofedDoors(t *testing.T) {
	r := sampleReport()
	r.Daemons[1].Floods[0].SpoofedOpened = 2
	if want := "Doors opened for flood sources (198.18.0.0/15): uciknockd 0, knockd 2."; !strings.Contains(r.Markdown(), want) {
		t.Errorf("markdown lacks %q", want)
	}
}

func TestMarkdownBatchWindowNote(t *testing.T) {
	r := sampleReport()
	if strings.Contains(r.Markdown(), "did not take effect") {
		t.Error("note on a faster unbatched latency")
	}
	r.Daemons[0].Unbatched4 = &Latency{Sequences: 30, Opened: 30, P50ms: 110, P90ms: 111, P99ms: 112}
	if want := "| 110.0 / 111.0 / 112.0 ms (30/30); no faster than the default window"; !strings.Contains(r.Markdown(), want) {
		t.Errorf("markdown lacks %q:\n%s", want, r.Markdown())
	}
}

func TestReportJSON(t *testing.T) {
	r := sampleReport()
	b, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Daemons[0].Floods[0].KernelDrops == nil || *back.Daemons[0].Floods[0].KernelDrops != 3 {
		t.Errorf("kernel drops lost in JSON: %s", b)
	}
	if back.Daemons[1].Floods[0].KernelDrops != nil || !strings.Contains(string(b), `"cpu_percent_quiet"`) {
		t.Errorf("unexpected JSON: %s", b)
	}
}

func TestReplaceSection(t *testing.T) {
	for _, tc := range []struct {
		name, doc, want string
		ok              bool
	}{
		{"replaces between markers", "# B\n\nintro\n" + BeginMarker + "\nold\n" + EndMarker + "\n\n## Lead\nkept\n",
			"# B\n\nintro\n" + BeginMarker + "\nnew\n" + EndMarker + "\n\n## Lead\nkept\n", true},
		{"appends when absent", "# B\nintro", "# B\nintro\n" + BeginMarker + "\nnew\n" + EndMarker + "\n", true},
		{"empty doc", "", BeginMarker + "\nnew\n" + EndMarker + "\n", true},
		{"end only", "x " + EndMarker, "", false},
		{"reversed", EndMarker + BeginMarker, "", false},
	} {
		got, err := ReplaceSection(tc.doc, "new\n\n")
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("%s: ReplaceSection = %q, %v; want %q, ok=%v", tc.name, got, err, tc.want, tc.ok)
		}
	}
}
