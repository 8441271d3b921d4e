package knockdconf

import (
	"reflect"
	"testing"

	"github.com/uciknock/uciknock/pkg/knock"
)

func TestParseOneTime(t *testing.T) {
	ot, err := ParseOneTime("otp", []byte("# used\n#101:udp,1102\n 1101:udp,1102\n\ngarbage:xyz\n\t2001,2002 \r\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := [][]knock.Step{
		{{Port: 1101, Proto: knock.ProtoUDP}, {Port: 1102, Proto: knock.ProtoTCP}},
		{{Port: 2001, Proto: knock.ProtoTCP}, {Port: 2002, Proto: knock.ProtoTCP}},
	}
	if !reflect.DeepEqual(ot.Sequences, want) || !reflect.DeepEqual(ot.Lines, []int{3, 6}) {
		t.Errorf("got %v at lines %v", ot.Sequences, ot.Lines)
	}
	if len(ot.Warnings) != 1 || ot.Warnings[0].Line != 5 {
		t.Errorf("warnings %+v", ot.Warnings)
	}
	for _, bad := range []string{"", "# all used\n#1,2\n", "x\n"} {
		if _, err := ParseOneTime("otp", []byte(bad)); err == nil {
			t.Errorf("ParseOneTime(%q) succeeded", bad)
		}
	}
}
