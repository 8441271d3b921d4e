package config

import (
	"errors"
	"testing"

	"github.com/uciknock/uciknock/uci"
)

func TestNewReport(t *testing.T) {
	cfg := &Config{Sequences: make([]Sequence, 2)}
	cfg.Global.Enabled = true
	r := NewReport("f", cfg, nil, nil)
	if !r.OK || !r.Enabled || r.Sequences != 2 || r.File != "f" || r.Errors == nil || r.Warnings == nil {
		t.Errorf("ok report %+v", r)
	}
	fe := &Errors{List: []*FieldError{{Path: "knock.@sequence[1].dest_port", Msg: "bad"}, {Path: "knock.ssh", Msg: "whole"}}}
	r = NewReport("f", nil, []string{"w"}, fe)
	want := []ReportError{{Path: "knock.@sequence[1].dest_port", Section: "@sequence[1]", Option: "dest_port", Message: "bad"},
		{Path: "knock.ssh", Section: "ssh", Message: "whole"}}
	if r.OK || len(r.Errors) != 2 || r.Errors[0] != want[0] || r.Errors[1] != want[1] || len(r.Warnings) != 1 {
		t.Errorf("field errors report %+v", r)
	}
	_, perr := uci.Parse("knock", []byte("config x\n\nbroken line\n"))
	var pe *uci.ParseError
	if !errors.As(perr, &pe) {
		t.Fatalf("no parse error: %v", perr)
	}
	if r = NewReport("f", nil, nil, perr); len(r.Errors) != 1 || r.Errors[0].Line != 3 || r.Errors[0].Path != "" {
		t.Errorf("syntax report %+v", r)
	}
	if r = NewReport("f", nil, nil, errors.New("no such file")); len(r.Errors) != 1 || r.Errors[0].Message != "no such file" {
		t.Errorf("other error report %+v", r)
	}
}
