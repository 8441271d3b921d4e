package daemon

import (
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/uciknock/uciknock/pkg/door"
	"github.com/uciknock/uciknock/uci"
)

// sysfixtime is OpenWrt's /etc/init.d/sysfixtime on a router without an
// RTC: the clock becomes the newest modification time of a file under
// /etc, if the clock is earlier than that.
func sysfixtime(t *testing.T, etc string, clock time.Time) time.Time {
	t.Helper()
	var newest time.Time
	err := filepath.WalkDir(etc, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err == nil && fi.ModTime().After(newest) {
			newest = fi.ModTime()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if clock.Before(newest) {
		return newest.Truncate(time.Second)
	}
	return clock
}

// TestBootWithoutRTCClosesTimedDoors: the router was switched off two
// days ago, just after a door with a one-hour timeout was written. It
// boots without an RTC: sysfixtime sets the clock to the firewall
// config's own modification time, when the door still looked live. The
// first purge of the boot must not let it into the firewall; an untimed
// door stays, an expired one goes as always. With a clock set from an RTC
// the live door is judged by its expiry, and later purges of the same
// boot only remove expired doors.
func TestBootWithoutRTCClosesTimedDoors(t *testing.T) {
	written := time.Date(2026, 11, 25, 21, 0, 0, 0, time.UTC) // the last firewall write
	mk := func(ip string, exp time.Time) []byte {
		d, err := door.Door{Kind: door.Rule, Prefix: "KnockSSH", Src: netip.MustParseAddr(ip), Port: 22, Expires: exp}.Normalize()
		if err != nil {
			t.Fatal(err)
		}
		return uci.RenderSection(door.Section(d, door.TimeLimit{}))
	}
	timed, untimed, expired := "192.0.2.7", "192.0.2.8", "192.0.2.9"
	var text []byte
	text = append(text, mk(timed, written.Add(time.Hour))...)
	text = append(text, mk(untimed, time.Time{})...)
	text = append(text, mk(expired, written.Add(-time.Minute))...)

	setup := func(t *testing.T) (*uci.File, time.Time, string) {
		root := t.TempDir()
		fw := filepath.Join(root, "etc", "config", "firewall")
		if err := os.MkdirAll(filepath.Dir(fw), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fw, text, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(fw, written, written); err != nil {
			t.Fatal(err)
		}
		// No RTC: the kernel starts at the epoch; sysfixtime moves it.
		now := sysfixtime(t, filepath.Join(root, "etc"), time.Unix(0, 0))
		if !now.Equal(written) {
			t.Fatalf("sysfixtime set %v, want the firewall's mtime %v", now, written)
		}
		return &uci.File{Path: fw, Package: "firewall"}, now, root
	}
	left := func(t *testing.T, f *uci.File) map[string]bool {
		t.Helper()
		p, _, err := f.Read()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, s := range p.Sections {
			if _, ok := door.Owned(s); ok {
				got[optionValue(s, "src_ip")] = true
			}
		}
		return got
	}

	t.Run("no RTC, not synchronised", func(t *testing.T) {
		f, now, root := setup(t)
		mark := bootMark{path: filepath.Join(root, "var", "run", "uciknock.boot"), bootID: []byte("boot-2")}
		boot := mark.first()
		r, err := purgeDoors(f, now, mark, boot, clockFacts{})
		if err != nil {
			t.Fatal(err)
		}
		if got := left(t, f); len(got) != 1 || !got[untimed] {
			t.Fatalf("after the boot purge: %v, want only the untimed door %s", got, untimed)
		}
		if !boot || r.expired != 1 || r.untrusted != 1 {
			t.Errorf("result %+v, want boot, 1 expired, 1 untrusted", r)
		}
		// A door opened later in the same boot is judged by its expiry.
		data, _ := os.ReadFile(f.Path)
		if err := os.WriteFile(f.Path, append(data, mk("192.0.2.10", now.Add(time.Hour))...), 0o644); err != nil {
			t.Fatal(err)
		}
		boot = mark.first()
		r, err = purgeDoors(f, now.Add(time.Minute), mark, boot, clockFacts{})
		if err != nil || boot || r.untrusted != 0 || !left(t, f)["192.0.2.10"] {
			t.Errorf("second purge of the boot: %+v %v, doors %v", r, err, left(t, f))
		}
	})
	t.Run("RTC", func(t *testing.T) {
		f, now, root := setup(t)
		mark := bootMark{path: filepath.Join(root, "var", "run", "uciknock.boot"), bootID: []byte("boot-2")}
		if _, err := purgeDoors(f, now, mark, mark.first(), clockFacts{rtc: true}); err != nil {
			t.Fatal(err)
		}
		if got := left(t, f); len(got) != 2 || !got[timed] || !got[untimed] {
			t.Fatalf("with a trusted clock: %v, want %s and %s", got, timed, untimed)
		}
	})
}

// TestClockFactsFromSys: an RTC that set the clock at boot is read from
// /sys/class/rtc/rtc0/hctosys under the root.
func TestClockFactsFromSys(t *testing.T) {
	root := t.TempDir()
	if systemClockFacts(root).rtc {
		t.Error("RTC seen where there is none")
	}
	p := filepath.Join(root, "sys", "class", "rtc", "rtc0", "hctosys")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if c := systemClockFacts(root); !c.rtc || !c.trusted() {
		t.Errorf("hctosys 1: %+v", c)
	}
}
