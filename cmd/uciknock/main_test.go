package main

import (
	"bytes"
	"net"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// build compiles the command the way the Makefile does, version included.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "uciknock")
	gotool := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command(gotool, "build", "-buildvcs=false", "-ldflags", "-X main.version=9.8.7-r6", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestBinary runs the built command: version, a usage error, and a real
// verbose UDP knock to a loopback listener.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	bin := build(t)
	run := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, stdout.String(), stderr.String()
	}
	if code, out, _ := run("--version"); code != 0 || out != "uciknock 9.8.7-r6\n" {
		t.Errorf("--version: exit %d, %q", code, out)
	}
	if code, _, errOut := run("192.0.2.1", "0"); code != 1 || !strings.Contains(errOut, "port 0 out of range (1-65535)") {
		t.Errorf("bad port: exit %d, %q", code, errOut)
	}

	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	port := strconv.Itoa(pc.LocalAddr().(*net.UDPAddr).Port)
	code, out, errOut := run("-v", "127.0.0.1", port+":udp")
	if code != 0 || out != "hitting udp 127.0.0.1:"+port+"\n" {
		t.Fatalf("knock: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	pc.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 8)
	if n, _, err := pc.ReadFrom(buf); err != nil || n != 1 || buf[0] != 0 {
		t.Errorf("received %q, %v; want one NUL byte", buf[:n], err)
	}
}
