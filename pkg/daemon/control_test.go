package daemon

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// readLine reads what bufio.Reader.ReadString('\n') read, in any chunks,
// and bounds the line.
func TestReadLine(t *testing.T) {
	for _, in := range []string{"close 192.0.2.7\n", "close KnockSSH_192.0.2.7_22\nrest", "\n", strings.Repeat("x", maxLine-1) + "\n"} {
		for name, r := range map[string]io.Reader{"whole": strings.NewReader(in), "bytes": iotest.OneByteReader(strings.NewReader(in))} {
			got, err := readLine(r)
			if want := in[:strings.IndexByte(in, '\n')+1]; err != nil || got != want {
				t.Errorf("%s %.20q: %q, %v; want %q", name, in, got, err, want)
			}
		}
	}
	if _, err := readLine(strings.NewReader("close 192.0.2.7")); err != io.EOF {
		t.Errorf("no line end: %v, want EOF", err)
	}
	if _, err := readLine(iotest.ErrReader(errors.New("boom"))); err == nil || err.Error() != "boom" {
		t.Errorf("read error: %v", err)
	}
	if _, err := readLine(strings.NewReader(strings.Repeat("x", maxLine) + "\n")); err == nil {
		t.Error("a line longer than maxLine was read")
	}
}
