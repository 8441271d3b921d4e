package daemon

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/pkg/door"
	"github.com/uciknock/uciknock/pkg/fastpath"
	"github.com/uciknock/uciknock/pkg/fwreload"
)

// fastPath is the daemon's kernel fast path: nil fields when there is none.
type fastPath struct {
	doors *fastpath.Doors
	watch *fastpath.Watch
	log   zerolog.Logger
}

// newFastPath sets the fast path up for fw4 and says once whether doors
// of the configured zones get it. Without one (fw3, reload_command, no
// netlink) the daemon works through the config and a reload alone.
func newFastPath(fw *fwreload.Firewall, cfg *config.Config, log zerolog.Logger) *fastPath {
	fp := &fastPath{log: log}
	// state says, once, whether doors go live at once and why not.
	var state string
	switch fw.Kind() {
	case fwreload.KindFW4:
	case fwreload.KindFW3:
		state = "off: fw3 (iptables) has no fw4 table; doors open with the next reload"
	default:
		state = "off: custom reload_command; doors open with the next reload"
	}
	if state != "" {
		log.Warn().Msg("fast path " + state)
		return fp
	}
	nft, err := fastpath.DialNFT()
	if err == nil {
		fp.doors = fastpath.New(fastpath.Config{Kernel: nft})
		fp.watch, err = fastpath.NewWatch(fp.doors)
	}
	if err != nil {
		fp.doors = nil
		log.Warn().Err(err).Msg("fast path off; doors open with the next reload")
		return fp
	}
	fp.watch.Resynced = func(n int, took time.Duration, err error) {
		ev := log.Info()
		if err != nil {
			ev = log.Warn().Err(err)
		}
		ev.Int("live", n).Dur("took", took).Msg("fast path: fw4 table or sets re-created; doors put back into the kernel")
	}
	fp.watch.DevicesFailed = func(err error) {
		log.Warn().Err(err).Msg("fast path: zone devices not copied from fw4; forward doors open with the next reload")
	}
	// One dump of the kernel's sets serves the device sync and the state.
	have, err := fastpath.Available(nft)
	syncErr := err
	if err == nil {
		syncErr = fp.doors.SyncDevices(have)
	}
	if syncErr != nil {
		fp.watch.DevicesFailed(syncErr)
	}
	state = fastPathState(have, err, zonesOf(cfg))
	ev := log.Info()
	switch {
	case strings.HasPrefix(state, "on"):
	case !fw.Loaded():
		// Boot (S18, before the firewall's S19): no fw4 table yet is
		// the normal state, already said once by the firewall wait; the
		// watch puts the doors in when the table appears (Resynced).
		ev = log.Debug()
	default:
		ev = log.Warn()
	}
	ev.Msg("fast path " + state)
	return fp
}

// zonesOf lists the source zones of the configured door sequences.
func zonesOf(cfg *config.Config) []string {
	seen := map[string]bool{}
	for i := range cfg.Sequences {
		s := &cfg.Sequences[i]
		if s.Action != config.ActionOpen && s.Action != config.ActionForward {
			continue
		}
		seen[s.SrcZone] = true // config fills it in for open and forward
	}
	zones := make([]string, 0, len(seen))
	for z := range seen {
		zones = append(zones, z)
	}
	// sort.Slice, not sort.Strings: one sort for every type in the
	// router binary instead of a 13 KB instance for strings.
	sort.Slice(zones, func(i, j int) bool { return zones[i] < zones[j] })
	return zones
}

// fastPathState describes, for the log and status, which zones have the
// fast path in the running ruleset: have and err are fastpath.Available's
// answer.
func fastPathState(have map[string]bool, err error, zones []string) string {
	if err != nil {
		return "off: " + err.Error()
	}
	var on, off []string
	for _, z := range zones {
		if have[z] {
			on = append(on, z)
		} else {
			off = append(off, z)
		}
	}
	switch {
	case len(have) == 0:
		return "off: no uciknock sets in table inet fw4 (fw4 not loaded, or /usr/share/nftables.d/*/uciknock.nft missing); doors open with the next reload"
	case len(off) == 0:
		return "on (zones " + strings.Join(on, ", ") + ")"
	case len(on) == 0:
		return "off for zones " + strings.Join(off, ", ") + ": no uciknock sets for them (see docs/doors.md); doors open with the next reload"
	}
	return fmt.Sprintf("on (zones %s); off for zones %s: no uciknock sets for them", strings.Join(on, ", "), strings.Join(off, ", "))
}

// kernel returns the keeper's Kernel, or nil without a fast path.
func (fp *fastPath) kernel() door.Kernel {
	if fp == nil || fp.doors == nil {
		return nil
	}
	return kernelLog{fp}
}

// run watches nftables notifications until ctx ends.
func (fp *fastPath) run(ctx context.Context) error {
	if fp == nil || fp.watch == nil {
		return nil
	}
	err := fp.watch.Run(ctx)
	if err != nil {
		fp.log.Error().Err(err).Msg("fast path: nftables notifications lost; a re-created fw4 table is not noticed until the next knock")
	}
	return nil
}

// kernelLog is the keeper's Kernel: the fast path, with its failures
// logged (at debug: the state was said once at start).
type kernelLog struct{ fp *fastPath }

func (k kernelLog) Open(d door.Door) error {
	err := k.fp.doors.Open(d)
	if err != nil {
		ev := k.fp.log.Debug()
		if !errors.Is(err, fastpath.ErrNoFastPath) {
			ev = k.fp.log.Warn()
		}
		ev.Err(err).Str("rule", d.FwName()).Msg("door not live in the kernel; it opens with the next reload")
	}
	return err
}

func (k kernelLog) Close(d door.Door) { k.fp.doors.Close(d) }

// Reloaded lets closed doors leave the shut set once fw4 dropped them.
func (k kernelLog) Reloaded(start time.Time) { k.fp.doors.Reloaded(start) }

// markLive sets Live on the doors whose elements are in the kernel and
// returns the fast-path state line for `uciknockd status`. It reads the
// kernel itself, so it tells the truth with or without a daemon.
func markLive(p *Paths, doors []door.Listing) string {
	cfg, err := config.Load(p.Config)
	if err != nil {
		cfg = nil // no config: detect the firewall, list no zones
	}
	var zones []string
	if cfg != nil {
		zones = zonesOf(cfg)
	}
	fw, err := fwreload.New(fwConfig(p.Root, cfg))
	if err != nil {
		return "off: " + err.Error()
	}
	if fw.Kind() != fwreload.KindFW4 {
		return "off: " + fw.Kind() + " (doors open with the next reload)"
	}
	nft, err := fastpath.DialNFT()
	if err != nil {
		return "off: " + err.Error()
	}
	defer nft.Close()
	have, err := fastpath.Available(nft)
	state := fastPathState(have, err, zones)
	keys := map[string]map[string]bool{}
	for i := range doors {
		d := &doors[i]
		if d.Edited || !d.Enabled || d.Expired {
			continue
		}
		elems, err := fastpath.Elements(d.Door)
		if err != nil {
			continue
		}
		d.Live = true
		for _, e := range elems {
			if keys[e.Set] == nil {
				if keys[e.Set], err = nft.Keys(e.Set); err != nil {
					keys[e.Set] = map[string]bool{}
				}
			}
			d.Live = d.Live && keys[e.Set][string(e.Key)]
		}
	}
	return state
}

// closeInKernel deletes the fast-path elements of doors closed without
// a daemon (`uciknockd close` offline) and returns how many doors had
// any. Without a fast path it does nothing.
func closeInKernel(doors []door.Door) int {
	if len(doors) == 0 {
		return 0
	}
	nft, err := fastpath.DialNFT()
	if err != nil {
		return 0
	}
	defer nft.Close()
	n := 0
	for _, d := range doors {
		elems, err := fastpath.Elements(d)
		if err != nil {
			continue
		}
		hit := false
		for _, e := range elems {
			// One element per batch: one already gone must not keep
			// the others.
			hit = nft.Apply([]fastpath.Elem{e}, nil, 0) == nil || hit
		}
		if hit {
			n++
		}
	}
	return n
}
