package daemon

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/rs/zerolog"

	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/pkg/door"
	"github.com/uciknock/uciknock/pkg/fwreload"
	"github.com/uciknock/uciknock/pkg/localtime"
)

// firewallFor picks the reload mechanism (fw4, fw3 or the configured
// reload_command) and how door expiries are handed to the kernel as
// stop_date: fw4 reads it in the router's local time (musl, /etc/TZ); fw3
// only with the xt_time match and utc_time '1'.
//
// With stop_date in local time, zoneCheck looks at /etc/TZ and
// /etc/localtime again (localtime.System.Check: two stats) and the caller
// polls it; nil otherwise. Computing a stop_date does no I/O: it uses the
// zone the last check found. zoneChanged, if set, is called when a check
// finds another zone after the first reading, and the caller makes the
// keeper rewrite every stop_date then: one written between a change and
// the next check, in the old zone, is put in the new one.
func firewallFor(root string, cfg *config.Config, log zerolog.Logger, zoneChanged func()) (fw *fwreload.Firewall, limit door.TimeLimit, zoneCheck func(), err error) {
	fc := fwConfig(root, cfg)
	fc.Warn = func(op, line string) { firewallLine(log, op, line) }
	fw, err = fwreload.New(fc)
	if err != nil {
		return nil, door.TimeLimit{}, nil, err
	}
	switch fw.Kind() {
	case fwreload.KindFW3:
		if xtTimeAvailable(root) {
			limit.UTC = true
		} else {
			log.Warn().Msg("fw3 without the xt_time match: doors get no kernel-side stop_date backstop")
		}
	default:
		// Read again whenever /etc/TZ changes (a time-zone change in LuCI
		// while we run): stop_date must be in the zone nft reads it in.
		first := true
		sys := &localtime.System{Root: root, Changed: func(z *localtime.Zone, err error) {
			if err != nil {
				log.Warn().Err(err).Str("zone", strings.TrimSpace(z.String())).Msg("time zone for stop_date: /etc/TZ is not what it seems; using musl's reading of it")
			} else {
				log.Info().Str("zone", strings.TrimSpace(z.String())).Msg("time zone for stop_date")
			}
			if !first && zoneChanged != nil {
				zoneChanged()
			}
			first = false
		}}
		sys.Check()
		limit.Local = sys.StopDate
		zoneCheck = func() { sys.Check() }
	}
	log.Info().Str("firewall", fw.Kind()).Strs("reload", fw.ReloadCommand()).Msg("firewall detected")
	return fw, limit, zoneCheck, nil
}

// fwConfig is how the firewall under root is reloaded: with the knock
// config's reload_command (already split) when it has one, else as
// detected; cfg nil (no usable knock config) means detection.
func fwConfig(root string, cfg *config.Config) fwreload.Config {
	fc := fwreload.Config{Root: root}
	if cfg != nil {
		fc.Reload = cfg.Global.Reload
	}
	return fc
}

// firewallLine logs a line fw4 or fw3 printed on a successful check or
// reload. fw4 announces every package include it loads with a "[!]" line
// ("[!] Automatically including '/usr/share/nftables.d/table-pre/
// uciknock.nft'") on each run: that is information about our own files,
// not a warning, and at WARN it would be four warnings per knock.
func firewallLine(log zerolog.Logger, op, line string) {
	ev := log.Warn()
	if strings.HasPrefix(line, "[!] Automatically including ") {
		ev = log.Debug()
	}
	ev.Str("op", op).Msg("firewall: " + line)
}

// xtTimeAvailable reports whether iptables' time match is installed
// (OpenWrt package iptables-mod-extra puts libxt_time.so there).
func xtTimeAvailable(root string) bool {
	for _, p := range []string{"usr/lib/iptables/libxt_time.so", "usr/lib/xtables/libxt_time.so"} {
		if _, err := os.Stat(filepath.Join(root, p)); err == nil {
			return true
		}
	}
	return false
}
