package browsertest

import (
	"strings"
	"testing"
	"time"
)

// TestLuCIStates: with the daemon not installed and no /etc/config/knock,
// and with port knocking disabled, every page says so in words and the
// console stays clean.
func TestLuCIStates(t *testing.T) {
	bin := sandbox(t)

	t.Run("not installed", func(t *testing.T) {
		in := startLuCI(t, bin, "-", false)
		b := newBrowser(t)
		b.login(in)
		b.open(in, "admin/services/uciknock/sequences", "#knock-not-configured")
		if got := b.text("#knock-not-configured"); !strings.Contains(got, "not installed") {
			t.Errorf("Sequences: %q, want it to say uciknock is not installed", got)
		}
		b.shot("sequences-not-installed")
		b.open(in, "admin/services/uciknock/doors", "#knock-running")
		if got := b.text("#knock-running"); got != "not installed" {
			t.Errorf("Open doors, daemon: %q, want \"not installed\"", got)
		}
		if !b.visible("#knock-no-doors") {
			t.Error("Open doors does not say that no door is open")
		}
		b.open(in, "admin/services/uciknock/client", "#knock-not-configured")
	})

	t.Run("disabled", func(t *testing.T) {
		knock := strings.Replace(formKnock, "option enabled '1'", "option enabled '0'", 1)
		conf := configDir(t, map[string]string{"knock": knock})
		in, b := luciAndBrowser(t, bin, conf)
		b.open(in, "admin/services/uciknock/sequences", "#cbi-knock-sequence")
		if got := b.text("#knock-daemon-state"); !strings.Contains(got, "disabled") {
			t.Errorf("Sequences notice %q, want it to say port knocking is disabled", got)
		}
		b.open(in, "admin/services/uciknock/doors", "#knock-running")
		if got := b.text("#knock-running"); !strings.Contains(got, "disabled") {
			t.Errorf("Open doors, daemon: %q, want not running because disabled", got)
		}
	})

	t.Run("no global section", func(t *testing.T) {
		knock := formKnock[strings.Index(formKnock, "config sequence"):]
		conf := configDir(t, map[string]string{"knock": knock})
		in, b := luciAndBrowser(t, bin, conf)
		b.open(in, "admin/services/uciknock/sequences", "#cbi-knock-main-enabled")
		b.click(`.cbi-page-actions .cbi-button-apply`)
		waitUCI(t, in, "the global section committed", func(show string) bool {
			return strings.Contains(show, "knock.main=knockd") && strings.Contains(show, "knock.main.enabled='1'")
		}, 30*time.Second)
		b.waitFor("apply to finish", "!"+modalOpen, 30*time.Second)
	})
}
