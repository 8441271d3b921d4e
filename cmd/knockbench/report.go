package main

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Report is one knockbench run: the machine, the settings and each
// daemon's figures. It is written as JSON and rendered as markdown.
type Report struct {
	Date     string         `json:"date"` // UTC, RFC 3339
	Machine  Machine        `json:"machine"`
	Settings Settings       `json:"settings"`
	Daemons  []DaemonResult `json:"daemons"`
}

// Machine describes where the run happened.
type Machine struct {
	CPUs      int    `json:"cpus"`
	Model     string `json:"model"`
	Kernel    string `json:"kernel"`
	LoadStart string `json:"load_start"` // /proc/loadavg's first three fields
	LoadEnd   string `json:"load_end"`
}

// Settings are the knobs of the run.
type Settings struct {
	FloodPPS       int     `json:"flood_pps"`
	FloodSeconds   float64 `json:"flood_seconds"`
	LatencySeqs    int     `json:"latency_sequences"`
	KnockGapMs     int     `json:"knock_gap_ms"`
	LegitGapMs     int     `json:"legit_gap_ms"`
	BatchWindowMs  int     `json:"batch_window_ms"`
	Door           string  `json:"door"`
	OverlapSources int     `json:"overlap_sources"`
	BurstSources   int     `json:"burst_sources"`
}

// DaemonResult holds one daemon's figures. Errors lists scenarios that
// could not run at all (the harness then exits non-zero).
type DaemonResult struct {
	Name       string        `json:"name"`
	Version    string        `json:"version"`
	IdleRSSKiB int           `json:"idle_rss_kib"`
	Latency4   Latency       `json:"latency_ipv4"`
	Latency6   Latency       `json:"latency_ipv6"`
	Reload4    *Latency      `json:"reload_latency_ipv4,omitempty"`         // uciknockd: last knock → reload command ran
	Unbatched4 *Latency      `json:"latency_ipv4_batch_window_0,omitempty"` // uciknockd with batch_window 0
	BurstRSS   int           `json:"rss_after_burst_kib"`
	Overlap    Count         `json:"overlap"`
	Floods     []FloodResult `json:"floods"`
	Burst      Burst         `json:"burst"`
	Errors     []string      `json:"errors,omitempty"`
}

// Count is "Opened of Of".
type Count struct {
	Opened int `json:"opened"`
	Of     int `json:"of"`
}

func (c Count) String() string { return fmt.Sprintf("%d/%d", c.Opened, c.Of) }

// FloodResult is one flood scenario for one daemon.
type FloodResult struct {
	Name        string  `json:"name"`
	Sent        int     `json:"sent"`
	PPS         float64 `json:"achieved_pps"`
	Legit       Count   `json:"legit"`
	CPUPercent  float64 `json:"cpu_percent"`       // over the whole flood, legitimate opens included
	CPUQuiet    float64 `json:"cpu_percent_quiet"` // flood only: before the first legitimate knock
	MaxGapMs    float64 `json:"legit_max_gap_ms"`  // longest gap between two knocks of one legitimate sequence, as sent
	RSSBefore   int     `json:"rss_before_kib"`
	RSSFlood    int     `json:"rss_flood_only_kib"` // after the flood's first second, before any legitimate knock
	RSSAfter    int     `json:"rss_after_kib"`
	RSSPeak     int     `json:"rss_peak_kib"`
	KernelDrops *uint64 `json:"kernel_drops,omitempty"` // nil: not available
	Received    *uint64 `json:"received,omitempty"`     // packets the daemon's filter passed
	Recovered   bool    `json:"recovered"`
	// SpoofedOpened counts doors opened for flood sources (198.18.0.0/15).
	SpoofedOpened int     `json:"spoofed_sources_opened"`
	RecoveryMs    float64 `json:"recovery_ms,omitempty"` // last knock of the check sequence → action
	Error         string  `json:"error,omitempty"`
}

// Burst is the burst-of-opens scenario.
type Burst struct {
	Opens   Count  `json:"opens"`
	Writes  int    `json:"firewall_writes"` // renames of /etc/config/firewall; -1: not applicable
	Reloads int    `json:"reloads"`         // firewall reloads (knockd: commands run)
	Note    string `json:"note,omitempty"`
}

// JSON renders the report indented.
func (r *Report) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return append(b, '\n'), nil
}

// Section markers in docs/benchmarks.md: Markdown's output goes between
// them and the rest of the file is kept.
const (
	BeginMarker = "<!-- knockbench:begin -->"
	EndMarker   = "<!-- knockbench:end -->"
)

// ReplaceSection puts body between the markers in doc. Without markers,
// doc gets them appended with body in between.
func ReplaceSection(doc, body string) (string, error) {
	body = strings.TrimRight(body, "\n") + "\n"
	b := strings.Index(doc, BeginMarker)
	e := strings.Index(doc, EndMarker)
	switch {
	case b < 0 && e < 0:
		if doc != "" && !strings.HasSuffix(doc, "\n") {
			doc += "\n"
		}
		return doc + BeginMarker + "\n" + body + EndMarker + "\n", nil
	case b < 0 || e < 0 || e < b:
		return "", fmt.Errorf("benchmarks: markers %q and %q missing or out of order", BeginMarker, EndMarker)
	}
	return doc[:b] + BeginMarker + "\n" + body + doc[e:], nil
}
