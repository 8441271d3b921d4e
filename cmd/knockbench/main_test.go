package main

import (
	"strings"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		err  string // substring; "" = ok
	}{
		{nil, ""},
		{[]string{"-flood", "3s", "-pps", "100000", "-daemons", "knockd"}, ""},
		{[]string{"-flood", "500ms"}, "-flood"},
		{[]string{"-pps", "0"}, "-pps"},
		{[]string{"-seqs", "0"}, "-seqs"},
		{[]string{"-burst", "1000"}, "-burst"},
		{[]string{"-daemons", "uciknockd,fwknop"}, "unknown daemon"},
		{[]string{"extra"}, "unexpected argument"},
	} {
		o, err := parseFlags(tc.args)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%q: %v", tc.args, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: error %v, want one containing %q", tc.args, err, tc.err)
		case tc.err == "" && (o.floodDur < 2*time.Second || o.pps <= 0):
			t.Errorf("%q: options %+v", tc.args, o)
		}
	}
}

func TestDefaultsMatchTheBrief(t *testing.T) {
	o, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.pps != 200000 || o.seqs < 30 || o.overlap != 18 || o.burst != 100 || o.floodDur != 5*time.Second {
		t.Errorf("defaults %+v", o)
	}
	if len(floodSpecs()) != 5 {
		t.Errorf("%d flood scenarios, want 5", len(floodSpecs()))
	}
	for _, s := range floodSpecs() {
		if err := s.Validate(); err != nil {
			t.Error(err)
		}
	}
}
