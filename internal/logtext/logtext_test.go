package logtext

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// consoleLine is what zerolog's ConsoleWriter (NoColor, no timestamp)
// makes of the JSON event line: the reference this package follows.
func consoleLine(t testing.TB, line []byte) string {
	t.Helper()
	var buf bytes.Buffer
	cw := zerolog.ConsoleWriter{Out: &buf, NoColor: true, PartsExclude: []string{zerolog.TimestampFieldName}}
	if _, err := cw.Write(line); err != nil {
		t.Fatalf("ConsoleWriter %q: %v", line, err)
	}
	return buf.String()
}

func TestMatchesConsoleWriter(t *testing.T) {
	var events bytes.Buffer
	log := zerolog.New(&events).Level(zerolog.DebugLevel)
	log.Info().Str("rule", "KnockSSH_192.0.2.7_22").Str("sequence", "knock.ssh_open").Str("src", "192.0.2.7").Msg("open")
	log.Warn().Err(errors.New(`fw4 reload: exit status 1: "boom"`)).Str("why", "timeout").Msg("close")
	log.Error().Str("a b", "x y").Str("quote", `say "hi"`).Str("back", `c:\x`).Str("nl", "a\nb\tc").Str("uni", "ünï").Msg("odd values")
	log.Debug().Int("n", -3).Float64("f", 1.5).Bool("ok", true).Dur("d", 1500*time.Millisecond).Msg("numbers")
	log.Info().Strs("list", []string{"a", "b c"}).Ints("ints", []int{1, 2}).Interface("obj", map[string]any{"k": []int{1}}).Msg("nested")
	log.Info().Msg("")
	log.Info().Str("only", "field").Send()
	log.Log().Str("nolevel", "1").Msg("no level")
	log.WithLevel(zerolog.FatalLevel).Msg("fatal")
	log.Info().Str("dup", "1").Str("dup", "2").Msg("duplicate keys")
	log.Info().Str("z", "").Str("empty", "").Msg("empty values")
	log.Info().Str("ctl", "\x01\x7f").Str("bad", "\xff").Msg("control")
	log.Info().Str("error", "plain").Str("aaa", "first?").Msg("error field first")
	for _, line := range bytes.SplitAfter(events.Bytes(), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		got, ok := Append(nil, line)
		if !ok {
			t.Errorf("%s: not read", line)
			continue
		}
		if want := consoleLine(t, line); string(got) != want {
			t.Errorf("%s\ngot  %q\nwant %q", line, got, want)
		}
	}
}

func TestWriter(t *testing.T) {
	var out bytes.Buffer
	w := New(&out)
	log := zerolog.New(w).Level(zerolog.InfoLevel)
	log.Debug().Msg("hidden")
	log.Info().Str("rule", "KnockSSH_192.0.2.7_22").Msg("open")
	// Not JSON: passed on unchanged rather than lost.
	if n, err := w.Write([]byte("not json\n")); n != 9 || err != nil {
		t.Errorf("Write = %d, %v", n, err)
	}
	if got := out.String(); got != "INF open rule=KnockSSH_192.0.2.7_22\nnot json\n" {
		t.Errorf("output %q", got)
	}
}

func FuzzMatchesConsoleWriter(f *testing.F) {
	f.Add("open", "rule", "KnockSSH_192.0.2.7_22", int64(3))
	f.Add("", "error", `"q" \ x`, int64(-1))
	f.Add("ünï\n", "message", "\x00", int64(0))
	f.Fuzz(func(t *testing.T, msg, key, val string, n int64) {
		var events bytes.Buffer
		log := zerolog.New(&events)
		log.Info().Str(key, val).Int64("n", n).Msg(msg)
		line := events.Bytes()
		got, ok := Append(nil, line)
		if !ok {
			t.Fatalf("%q: not read", line)
		}
		want := consoleLine(t, line)
		if string(got) != want {
			t.Fatalf("%q\ngot  %q\nwant %q", line, got, want)
		}
	})
}

// TestAppendBody: the syslog line is the stderr line less its level word
// and newline, for every level and for an event without a message.
func TestAppendBody(t *testing.T) {
	for _, ev := range []string{
		`{"level":"info","message":"open","rule":"KnockSSH_192.0.2.7_22"}`,
		`{"level":"warn","error":"x","message":"reload failed"}`,
		`{"level":"debug","n":1}`,
	} {
		full, ok1 := Append(nil, []byte(ev))
		body, ok2 := AppendBody(nil, []byte(ev))
		if !ok1 || !ok2 || string(full[4:len(full)-1]) != string(body) {
			t.Errorf("%s: Append %q, AppendBody %q", ev, full, body)
		}
	}
	if _, ok := AppendBody(nil, []byte("not json")); ok {
		t.Error("AppendBody accepted text that is not a JSON event")
	}
}
