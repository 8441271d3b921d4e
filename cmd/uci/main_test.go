package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The command is the ucicli clone (tested byte for byte against the real
// uci in uci/ucicli): here only that it reaches it with its arguments,
// standard streams and exit status.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "knock"), []byte("config knockd 'main'\n\toption enabled '0'\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	batch := "set knock.main.enabled='1'\nadd knock sequence\nset knock.@sequence[-1].name='KnockSSH'\ncommit knock\n"
	if code := run([]string{"-c", dir, "batch"}, strings.NewReader(batch), &out, &errb); code != 0 {
		t.Fatalf("batch: exit %d: %s%s", code, out.String(), errb.String())
	}
	out.Reset()
	if code := run([]string{"-c", dir, "show", "knock"}, nil, &out, &errb); code != 0 {
		t.Fatalf("show: exit %d: %s", code, errb.String())
	}
	want := "knock.main=knockd\nknock.main.enabled='1'\nknock.@sequence[0]=sequence\nknock.@sequence[0].name='KnockSSH'\n"
	if out.String() != want {
		t.Errorf("show knock:\n%s\nwant:\n%s", out.String(), want)
	}
	out.Reset()
	errb.Reset()
	if code := run([]string{"-c", dir, "get", "knock.nothere"}, nil, &out, &errb); code != 1 || errb.String() != "uci: Entry not found\n" {
		t.Errorf("get of a missing entry: exit %d, stderr %q (want 1, \"uci: Entry not found\\n\")", code, errb.String())
	}
}
