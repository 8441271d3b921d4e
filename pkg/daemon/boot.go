package daemon

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/uciknock/uciknock/pkg/door"
	"github.com/uciknock/uciknock/uci"
)

// Routers without a real-time clock boot with the time OpenWrt's
// sysfixtime sets: the newest modification time of a file under /etc. That
// is at most the last write of /etc/config/firewall, so it is before every
// expiry stored there: judged by that clock, every door from before the
// reboot looks live, fw4 would load it, and it would stay open until NTP
// synchronises (never, if it cannot). So the first purge of a boot (the
// init script's, before the firewall starts, or the daemon's first start)
// removes every timed door from before the boot unless the clock is known
// good: set from an RTC at boot, or NTP-synchronised. A reboot never
// reopens a door; a live one has to be knocked again.

// clockFacts are what tells a good clock from a guessed one.
type clockFacts struct {
	rtc    bool // the kernel set the clock from an RTC at boot (hctosys)
	synced bool // the kernel's NTP state is synchronised (adjtimex)
}

func (c clockFacts) trusted() bool { return c.rtc || c.synced }

// why says why the clock cannot be trusted, for the log.
func (c clockFacts) why() string {
	return "no RTC set the clock at boot and it is not NTP-synchronised: it may come from sysfixtime (the newest file time under /etc), before every stored expiry"
}

// systemClockFacts reads the facts of the running system; root prefixes
// /sys (tests and the demo point it elsewhere).
func systemClockFacts(root string) clockFacts {
	var c clockFacts
	if b, err := os.ReadFile(filepath.Join(root, "sys", "class", "rtc", "rtc0", "hctosys")); err == nil {
		c.rtc = strings.TrimSpace(string(b)) == "1"
	}
	c.synced = ntpSynchronised()
	return c
}

// bootMark remembers, in tmpfs, that this boot's first purge was done: it
// holds the kernel's boot id (a new one every boot).
type bootMark struct {
	path   string // <root>/var/run/uciknock.boot
	bootID []byte
}

func systemBootMark(root string) bootMark {
	id, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		id = []byte("unknown")
	}
	return bootMark{path: filepath.Join(root, "var", "run", "uciknock.boot"), bootID: bytes.TrimSpace(id)}
}

// first reports whether no purge has run in this boot yet.
func (b bootMark) first() bool {
	got, err := os.ReadFile(b.path)
	return err != nil || !bytes.Equal(bytes.TrimSpace(got), b.bootID)
}

func (b bootMark) set() error {
	if err := os.MkdirAll(filepath.Dir(b.path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(b.path, append(append([]byte(nil), b.bootID...), '\n'), 0o644)
}

// purgeResult is what a purge did.
type purgeResult struct {
	expired   int // doors whose expiry had passed
	untrusted int // timed doors removed because the clock cannot be trusted
}

// purgeDoors removes the expired doors from f and, at the first purge of a
// boot (boot: the caller's mark.first(); mark is set after it) on a clock
// that cannot be trusted, every other timed door too. Doors without a
// timeout are kept: their state does not depend on time.
func purgeDoors(f *uci.File, now time.Time, mark bootMark, boot bool, clock clockFacts) (purgeResult, error) {
	var r purgeResult
	distrust := boot && !clock.trusted()
	counts, err := door.Remove(f, func(_ *uci.Section, exp time.Time) string {
		switch {
		case exp.IsZero():
			return ""
		case !exp.After(now):
			return "expired"
		case distrust:
			return "untrusted"
		}
		return ""
	})
	r.expired, r.untrusted = counts["expired"], counts["untrusted"]
	if err != nil {
		return r, err
	}
	if boot {
		if err := mark.set(); err != nil {
			return r, err
		}
	}
	return r, nil
}
