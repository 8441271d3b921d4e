package daemon

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestUbusL3Device runs ubusL3Device against a fake ubus printing what
// netifd prints (`ubus call network.interface.wan status`, pretty JSON
// with nested objects).
func TestUbusL3Device(t *testing.T) {
	for _, tt := range []struct {
		name, out, want string
		err             bool
	}{
		{"pppoe", `{
	"up": true,
	"l3_device": "pppoe-wan",
	"device": "eth1",
	"ipv4-address": [ { "address": "198.51.100.7", "mask": 32 } ],
	"data": { }
}`, "pppoe-wan", false},
		{"no l3_device yet", `{ "up": false, "device": "eth1", "route": [] }`, "eth1", false},
		{"neither", `{ "up": false }`, "", false},
		{"not JSON", `Command failed: Not found`, "", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "out"), []byte(tt.out), 0o644); err != nil {
				t.Fatal(err)
			}
			fake := "#!/bin/sh\n[ \"$1 $2 $3\" = 'call network.interface.wan status' ] || exit 4\ncat " + filepath.Join(dir, "out") + "\n"
			if err := os.WriteFile(filepath.Join(dir, "ubus"), []byte(fake), 0o755); err != nil {
				t.Fatal(err)
			}
			t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
			got, err := ubusL3Device(context.Background(), "wan")
			if got != tt.want || (err != nil) != tt.err {
				t.Errorf("ubusL3Device = %q, %v; want %q (error %v)", got, err, tt.want, tt.err)
			}
		})
	}
}

// TestUbusL3DeviceChildHoldsOutput: an ubus that leaves a child holding
// its stdout does not hang the daemon (it waited for the child's end, its
// 3 s context notwithstanding): the output is cut off a second after
// ubus exited, and what ubus printed is used.
func TestUbusL3DeviceChildHoldsOutput(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	t.Cleanup(func() {
		if data, err := os.ReadFile(pidFile); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && pid > 0 {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	fake := "#!/bin/sh\necho '{ \"up\": true, \"l3_device\": \"pppoe-wan\" }'\nsleep 120 & echo $! > " + pidFile + "\nexit 0\n"
	if err := os.WriteFile(filepath.Join(dir, "ubus"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
	type result struct {
		dev string
		err error
	}
	done := make(chan result, 1)
	go func() {
		dev, err := ubusL3Device(context.Background(), "wan")
		done <- result{dev, err}
	}()
	select {
	case r := <-done:
		if r.dev != "pppoe-wan" || r.err != nil {
			t.Errorf("ubusL3Device = %q, %v; want pppoe-wan", r.dev, r.err)
		}
	case <-time.After(60 * time.Second): // a hang, not a speed check
		t.Fatal("ubusL3Device still waits for a child holding ubus's output")
	}
}
