package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/uciknock/uciknock/pkg/door"
	"github.com/uciknock/uciknock/pkg/fwreload"
	"github.com/uciknock/uciknock/uci"
)

// openDoor is one door found in the firewall config, for status.
type openDoor struct {
	Name     string `json:"name"`
	Section  string `json:"section"`
	Type     string `json:"type"`
	Source   string `json:"source,omitempty"`
	Port     uint16 `json:"port,omitempty"`
	Proto    string `json:"proto,omitempty"`
	DestIP   string `json:"dest_ip,omitempty"`
	DestPort uint16 `json:"dest_port,omitempty"`
	Enabled  bool   `json:"enabled"`
	Expires  int64  `json:"expires,omitempty"` // unix seconds; 0: never
	Left     int64  `json:"seconds_left"`      // -1: never expires
	Edited   bool   `json:"edited_by_user"`    // options no longer as written
	Expired  bool   `json:"expired"`           // due for removal
	// Live: every kernel element of the door is in table inet fw4's
	// uciknock sets (the fast path); false without one (see the
	// "fast path" line of the text output).
	Live bool      `json:"live_in_kernel"`
	door door.Door // when it reads back as a door
	ok   bool
}

func listDoors(p *uci.Package, now time.Time) []openDoor {
	var out []openDoor
	for _, s := range p.Sections {
		exp, ok := door.Owned(s)
		if !ok {
			continue
		}
		od := openDoor{Section: s.Name, Type: s.Type, Enabled: true, Left: -1}
		if o := s.Get("name"); o != nil && len(o.Values) == 1 {
			od.Name = o.Values[0]
		}
		if o := s.Get("enabled"); o != nil && len(o.Values) == 1 {
			switch o.Values[0] {
			case "0", "off", "false", "no":
				od.Enabled = false
			}
		}
		if !exp.IsZero() {
			od.Expires = exp.Unix()
			od.Left = int64(exp.Sub(now).Round(time.Second) / time.Second)
			if od.Left <= 0 {
				od.Left, od.Expired = 0, true
			}
		}
		if d, err := door.DoorFromSection(s); err == nil {
			od.door, od.ok = d, true
			od.Source, od.Port, od.Proto = d.Src.String(), d.Port, d.Proto
			if d.Kind == door.Redirect {
				od.DestIP, od.DestPort = d.DestIP.String(), d.DestPort
			}
		} else {
			od.Edited = true
			od.Source = sectionValue(s, "src_ip")
			port := sectionValue(s, "dest_port")
			if s.Type == "redirect" {
				port = sectionValue(s, "src_dport")
			}
			if n, err := strconv.ParseUint(port, 10, 16); err == nil {
				od.Port = uint16(n)
			}
		}
		out = append(out, od)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func sectionValue(s *uci.Section, name string) string {
	if o := s.Get(name); o != nil && len(o.Values) == 1 {
		return o.Values[0]
	}
	return ""
}

func firewallFile(p *paths) *uci.File {
	return &uci.File{Path: p.firewall, OverrideDir: p.overrideDir, Package: "firewall"}
}

func cmdStatus(args []string, stdout io.Writer) error {
	var p paths
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	p.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	pkg, _, err := firewallFile(&p).Read()
	if err != nil {
		return err
	}
	doors := listDoors(pkg, time.Now())
	state := markLive(&p, doors)
	if *asJSON {
		if doors == nil {
			doors = []openDoor{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(doors)
	}
	fmt.Fprintln(stdout, "fast path: "+state)
	if len(doors) == 0 {
		fmt.Fprintln(stdout, "no open doors")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTYPE\tSOURCE\tPORT\tLEFT\tKERNEL\tSECTION")
	for _, d := range doors {
		left := "never"
		switch {
		case d.Expired:
			left = "expired"
		case d.Left >= 0:
			left = (time.Duration(d.Left) * time.Second).String()
		}
		note := ""
		if !d.Enabled {
			note = " (disabled)"
		} else if d.Edited {
			note = " (edited)"
		}
		live := "-"
		if d.Live {
			live = "live"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s%s\n", d.Name, d.Type, d.Source, d.Port, left, live, d.Section, note)
	}
	return tw.Flush()
}

// cmdClose closes doors by rule name or by source address: through the
// running daemon when there is one, else directly in the firewall config.
func cmdClose(args []string, stdout io.Writer) error {
	var p paths
	fs := flag.NewFlagSet("close", flag.ContinueOnError)
	p.register(fs)
	socket := fs.String("socket", defaultSocket, "control socket `path` of the running daemon")
	operands, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(operands) != 1 {
		return fmt.Errorf("%w: close takes one NAME or IP", errUsage)
	}
	target := operands[0]
	answer, err := askRunningDaemon(*socket, "close "+target)
	if err == nil {
		fmt.Fprintln(stdout, answer)
		return nil
	}
	if !errors.Is(err, errNoDaemon) {
		return err
	}
	ip, ipErr := netip.ParseAddr(target)
	var closed []door.Door
	n, err := removeDoors(firewallFile(&p), func(s *uci.Section, _ time.Time) bool {
		match := false
		if o := s.Get("name"); o != nil && len(o.Values) == 1 && o.Values[0] == target {
			match = true
		} else if o := s.Get("src_ip"); ipErr == nil && o != nil && len(o.Values) == 1 {
			a, err := netip.ParseAddr(o.Values[0])
			match = err == nil && a == ip.Unmap()
		}
		if d, err := door.DoorFromSection(s); match && err == nil {
			closed = append(closed, d)
		}
		return match
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("no door matches %s", target)
	}
	fmt.Fprintf(stdout, "ok: removed %d door(s) from the firewall config (no daemon running)\n", n)
	// Out of the kernel fast path at once too (its elements would
	// otherwise live on until their timeouts).
	if k := closeInKernel(closed); k > 0 {
		fmt.Fprintf(stdout, "removed %d door(s) from the kernel fast path\n", k)
	}
	return reloadOffline(&p, stdout)
}

// cmdPurge removes expired doors: run at boot before the firewall starts,
// so a reboot never brings back a door whose time has passed. The first
// purge of a boot also removes the timed doors whose expiry cannot be
// judged because the clock is not known good (boot.go).
func cmdPurge(args []string, stdout io.Writer) error {
	var p paths
	fs := flag.NewFlagSet("purge", flag.ContinueOnError)
	p.register(fs)
	// -q: the init script logs what purge prints at every boot, where
	// "purged 0" is noise.
	quiet := fs.Bool("q", false, "print nothing when no door was purged")
	if err := fs.Parse(args); err != nil {
		return err
	}
	clock := systemClockFacts(p.root)
	r, err := purgeDoors(firewallFile(&p), time.Now(), systemBootMark(p.root), clock)
	if err != nil {
		return err
	}
	if r.untrusted > 0 {
		fmt.Fprintf(stdout, "purged %d expired door(s) and %d timed door(s) from before this boot (%s)\n", r.expired, r.untrusted, clock.why())
		return nil
	}
	if r.expired > 0 || !*quiet {
		fmt.Fprintf(stdout, "purged %d expired door(s)\n", r.expired)
	}
	return nil
}

// removeDoors deletes our door sections selected by match in one safe update.
func removeDoors(f *uci.File, match func(s *uci.Section, expires time.Time) bool) (int, error) {
	counts, err := removeDoorsBy(f, func(s *uci.Section, exp time.Time) string {
		if match(s, exp) {
			return "match"
		}
		return ""
	})
	return counts["match"], err
}

// removeDoorsBy deletes our door sections for which classify names a
// reason ("" keeps the section) in one safe update, and counts them by
// reason as written (Update may run its function more than once).
func removeDoorsBy(f *uci.File, classify func(s *uci.Section, expires time.Time) string) (map[string]int, error) {
	var counts map[string]int
	_, err := f.Update(func(p *uci.Package) error {
		counts = map[string]int{}
		var victims []string
		for _, s := range p.Sections {
			if exp, ok := door.Owned(s); ok {
				if why := classify(s, exp); why != "" {
					victims = append(victims, s.Name)
					counts[why]++
				}
			}
		}
		for _, name := range victims {
			p.Delete(name)
		}
		return nil
	})
	return counts, err
}

// reloadOffline applies a change made without the daemon: fw4/fw3 (or the
// knock config's reload_command) reloads, so the removed door stops
// working now, not at the next reload.
func reloadOffline(p *paths, stdout io.Writer) error {
	fc := fwreload.Config{Root: p.root}
	if cfg, err := loadConfig(p.config); err == nil {
		fc.Reload = cfg.Global.Reload
	}
	fw, err := fwreload.New(fc)
	if err != nil {
		return fmt.Errorf("door removed, but the firewall cannot be reloaded: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := fw.Reload(ctx); err != nil {
		return fmt.Errorf("door removed, but the firewall reload failed: %w", err)
	}
	fmt.Fprintf(stdout, "firewall reloaded (%s)\n", fw.Kind())
	return nil
}
