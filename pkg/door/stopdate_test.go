package door

import (
	"testing"
	"time"

	"github.com/uciknock/uciknock/pkg/localtime"
)

// validStopDate must accept exactly the strings time.Parse(localtime.StopDateLayout)
// accepts for years 1970..2038 and Format gives back unchanged (what it
// replaces, minus time.Parse's leniency: one-digit hours, fractional
// seconds, which the layout never produces).
func TestValidStopDate(t *testing.T) {
	byParse := func(s string) bool {
		v, err := time.Parse(localtime.StopDateLayout, s)
		return err == nil && v.Year() >= 1970 && v.Year() <= 2038 && v.Format(localtime.StopDateLayout) == s
	}
	cases := []string{
		"2026-12-07T05:09:59", "1970-01-01T00:00:00", "2038-12-31T23:59:59",
		"1969-12-31T23:59:59", "2039-01-01T00:00:00", "2024-02-29T12:00:00",
		"2023-02-29T12:00:00", "2000-02-29T00:00:00", "2100-02-29T00:00:00",
		"2026-04-31T00:00:00", "2026-13-01T00:00:00", "2026-00-01T00:00:00",
		"2026-01-00T00:00:00", "2026-01-01T24:00:00", "2026-01-01T23:60:00",
		"2026-01-01T23:59:60", "2026-01-01 23:59:59", "2026-01-01T23:59:5",
		"2026-01-01T23:59:590", "2026-1-01T23:59:59", "+026-01-01T23:59:59",
		"2026-01-01T2a:59:59", "", "9999-99-99T99:99:99", "2026/01/01T00:00:00",
		"-026-01-01T00:00:00", "2026-01-01T-1:00:00",
		"2000-01-01T0:00:00", "2000-01-01T00:00:00.5",
	}
	for _, s := range cases {
		if got, want := validStopDate(s), byParse(s); got != want {
			t.Errorf("validStopDate(%q) = %v, time.Parse says %v", s, got, want)
		}
	}
	// Every day of the range, at both ends of the day.
	for d := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() <= 2038; d = d.AddDate(0, 0, 1) {
		for _, s := range []string{d.Format(localtime.StopDateLayout), d.Add(24*time.Hour - time.Second).Format(localtime.StopDateLayout)} {
			if !validStopDate(s) {
				t.Fatalf("validStopDate(%q) = false", s)
			}
		}
	}
}

func FuzzValidStopDate(f *testing.F) {
	f.Add("2026-12-07T05:09:59")
	f.Add("2024-02-29T23:59:59")
	f.Fuzz(func(t *testing.T, s string) {
		v, err := time.Parse(localtime.StopDateLayout, s)
		want := err == nil && v.Year() >= 1970 && v.Year() <= 2038 && v.Format(localtime.StopDateLayout) == s
		if got := validStopDate(s); got != want {
			t.Errorf("validStopDate(%q) = %v, time.Parse says %v", s, got, want)
		}
	})
}
