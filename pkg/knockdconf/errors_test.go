package knockdconf

import (
	"errors"
	"strings"
	"testing"
)

func TestErrorsForm(t *testing.T) {
	_, err := Parse("/etc/knockd.conf", []byte("[d]\nsequence = 0\n"))
	if err.Error() != `/etc/knockd.conf:2: sequence: knock 1: knock "0": port 0 out of range (1-65535)` {
		t.Errorf("one error: %q", err.Error())
	}
	var e *Error
	if !errors.As(err, &e) || e.Line != 2 || e.File != "/etc/knockd.conf" {
		t.Errorf("errors.As *Error: %+v", e)
	}
	_, err = Parse("k", []byte("[]\n[Options]\n"))
	if !strings.HasPrefix(err.Error(), "2 errors:\n\tk:1: bad section name\n\tk:2: ") {
		t.Errorf("two errors: %q", err.Error())
	}
}

func TestLongCmdTimeout(t *testing.T) {
	secs, warns, err := convert(t, `[o]
sequence = 1,2
command = /etc/uciknockd.sh open-port SSH %IP% 22
stop_command = /etc/uciknockd.sh close-port SSH %IP% 22
cmd_timeout = 9999999
[p]
sequence = 3
command = /etc/uciknockd.sh open-port P %IP% 23
stop_command = /etc/uciknockd.sh close-port P %IP% 23
cmd_timeout = 0`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"o: name=SSH sequence=1 2 action=open dest_port=22 timeout=2592000", "p: name=P sequence=3 action=open dest_port=23 timeout=1"}
	if strings.Join(secs, "\n") != strings.Join(want, "\n") {
		t.Errorf("sections %q", secs)
	}
	if len(warns) != 2 || !strings.HasPrefix(warns[0], "k:7: cmd_timeout lowered") || !strings.HasPrefix(warns[1], "k:12: cmd_timeout 0 raised") {
		t.Errorf("warnings %q", warns)
	}
}

// TestConvertErrorLines: a validation error points at the option's line,
// or at the section header when the option did not come from one line.
func TestConvertErrorLines(t *testing.T) {
	c := &converter{lines: map[string]int{"knock.a": 3, "knock.a.sequence": 4}}
	for path, want := range map[string]int{"knock.a.sequence": 4, "knock.a.action": 3, "knock.a": 3, "knock.b.x": 0, "knock": 0} {
		if got := c.lineOf(path); got != want {
			t.Errorf("lineOf(%q) = %d, want %d", path, got, want)
		}
	}
}
