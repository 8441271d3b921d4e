package config

import (
	"errors"
	"testing"
)

func TestErrorsForm(t *testing.T) {
	_, err := parseText(t, "config sequence 'x'\n\toption sequence '1'\n\toption dest_port '0'\n")
	if err.Error() != "knock.x.dest_port: port 0 out of range (1-65535)" {
		t.Errorf("one error: %q", err.Error())
	}
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Path != "knock.x.dest_port" || fe.Msg != "port 0 out of range (1-65535)" {
		t.Errorf("errors.As *FieldError: %+v", fe)
	}
	if (&Errors{}).Error() != "no errors" {
		t.Error("empty Errors")
	}
}

func TestActionString(t *testing.T) {
	for a, want := range map[Action]string{ActionOpen: "open", ActionClose: "close", ActionForward: "forward",
		ActionUnforward: "unforward", ActionCommand: "command", 0: "invalid", 99: "invalid"} {
		if a.String() != want {
			t.Errorf("Action(%d) = %q, want %q", int(a), a.String(), want)
		}
	}
}

func TestErrorList(t *testing.T) {
	var l ErrorList[*FieldError]
	if l.Err() != nil || l.Error() != "no errors" {
		t.Errorf("empty list: %v %q", l.Err(), l.Error())
	}
	l.List = append(l.List, &FieldError{"knock.a", "one"})
	if l.Err() == nil || l.Error() != "knock.a: one" {
		t.Errorf("one: %q", l.Error())
	}
	l.List = append(l.List, &FieldError{"knock.b", "two"})
	if l.Error() != "2 errors:\n\tknock.a: one\n\tknock.b: two" {
		t.Errorf("two: %q", l.Error())
	}
	var fe *FieldError
	if !errors.As(l.Err(), &fe) || fe.Path != "knock.a" {
		t.Errorf("errors.As: %v", fe)
	}
}
