//go:build linux

package main

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/netns"
	"github.com/uciknock/uciknock/internal/testenv"
	"github.com/uciknock/uciknock/uci"
)

// TestHardenConcurrentUserEdits: while bursts of knocks open doors, an
// administrator commits changes to /etc/config/firewall with the uci
// command line (libuci's locking, as LuCI would). Neither side may lose
// the other's changes: every user section and every door is there at
// the end, and stays there.
func TestHardenConcurrentUserEdits(t *testing.T) {
	testenv.RequireRoot(t)
	t.Parallel()
	e := newEnv(t, false)
	e.writeConfig("\toption batch_window '1ms'\n", restartSequences)
	d := e.startDaemon()
	const users, rounds, perRound = 20, 20, 2
	edits := userEdits(e, users)
	var want []string
	for r := 0; r < rounds; r++ {
		for k := 0; k < perRound; k++ {
			src := netip.AddrFrom4([4]byte{192, 0, 2, byte(100 + r*perRound + k)})
			if err := e.net.knock(src, netns.ProtoUDP, 7011, 7012); err != nil {
				t.Fatal(err)
			}
			want = append(want, "Long_"+src.String()+"_443")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := <-edits; err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		p, _ := e.readFirewall()
		missing := missingAfterEdits(p, want, users)
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lost after concurrent edits: %v", missing)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// And it stays so: nothing is taken back a moment later.
	time.Sleep(300 * time.Millisecond)
	p, _ := e.readFirewall()
	if missing := missingAfterEdits(p, want, users); len(missing) > 0 {
		t.Errorf("lost a moment later: %v", missing)
	}
	d.stop()
}

// userEdits commits n firewall rules named user0… one after the other
// with the uci command line, as an administrator would, and reports the
// first failure (or nil) when done.
func userEdits(e *e2eEnv, n int) <-chan error {
	e.t.Helper()
	save := filepath.Join(e.dir, "uci-save")
	if err := os.MkdirAll(save, 0o700); err != nil {
		e.t.Fatal(err)
	}
	uciBin := uciBinary(e.t)
	edits := make(chan error, 1)
	go func() {
		for i := 0; i < n; i++ {
			batch := fmt.Sprintf("add firewall rule\nset firewall.@rule[-1].name='user%d'\n"+
				"set firewall.@rule[-1].src='lan'\nset firewall.@rule[-1].target='ACCEPT'\ncommit firewall\n", i)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			cmd := exec.CommandContext(ctx, uciBin, "-c", filepath.Dir(e.firewall), "-t", save, "batch")
			cmd.Stdin = strings.NewReader(batch)
			out, err := cmd.CombinedOutput()
			cancel()
			if err != nil {
				edits <- fmt.Errorf("uci batch %d: %v: %s", i, err, out)
				return
			}
		}
		edits <- nil
	}()
	return edits
}

// missingAfterEdits lists the doors in want and the user rules that are
// not in p.
func missingAfterEdits(p *uci.Package, want []string, users int) []string {
	var missing []string
	doors := doorSections(p)
	for _, name := range want {
		if doors[name] == nil {
			missing = append(missing, name)
		}
	}
	names := map[string]bool{}
	for _, s := range p.Sections {
		names[optionValue(s, "name")] = true
	}
	for i := 0; i < users; i++ {
		if !names[fmt.Sprintf("user%d", i)] {
			missing = append(missing, fmt.Sprintf("user%d", i))
		}
	}
	return missing
}
