package browsertest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/uciknock/uciknock/internal/netns"
)

const clientKnock = formKnock + `
config sequence
	option name 'KnockTOTP'
	option totp_secret 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'
	option totp_ports '20000-29999'
	option totp_step '60'
	option dest_port '2222'
`

// TestLuCIClient: the Client set-up page shows command lines the real
// client accepts (run in a namespace of their own: the knocks go to its
// loopback), follows the router address typed in, and a secret generated
// in the browser is stored on the router after the daemon's check; one
// the daemon refuses is neither saved nor left staged in the page.
func TestLuCIClient(t *testing.T) {
	bin := sandbox(t)
	conf := configDir(t, map[string]string{"knock": clientKnock})
	in, b := luciAndBrowser(t, bin, conf)
	b.open(in, "admin/services/uciknock/client", ".knock-command")

	var cmds, confs []string
	b.eval(`Array.from(document.querySelectorAll('.knock-command')).map(function(e) { return e.innerText; })`, &cmds)
	b.eval(`Array.from(document.querySelectorAll('.knock-client-config')).map(function(e) { return e.innerText; })`, &confs)
	want := []string{
		"uciknock 127.0.0.1 12345 34512 54321",
		"uciknock --totp JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP --step 60 --min 20000 --max 29999 127.0.0.1",
	}
	if strings.Join(cmds, "\n") != strings.Join(want, "\n") {
		t.Errorf("command lines\n%s\nwant\n%s", strings.Join(cmds, "\n"), strings.Join(want, "\n"))
	}
	wantConf := []string{
		"door KnockSSH host 127.0.0.1 ports 12345,34512,54321",
		"door KnockTOTP host 127.0.0.1 totp JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP step 60 min 20000 max 29999",
	}
	if strings.Join(confs, "\n") != strings.Join(wantConf, "\n") {
		t.Errorf("client config lines\n%s\nwant\n%s", strings.Join(confs, "\n"), strings.Join(wantConf, "\n"))
	}

	// The real client takes them as they are.
	ns := netns.New(t, "l14k")
	for _, c := range cmds {
		words := strings.Fields(c)
		if out, err := ns.Exec(bins.client, append([]string{"-v"}, words[1:]...)...); err != nil || !strings.Contains(out, "hitting tcp 127.0.0.1:") {
			t.Errorf("%s: %v\n%s", c, err, out)
		}
	}
	cfgFile := filepath.Join(t.TempDir(), "uciknock.conf")
	if err := os.WriteFile(cfgFile, []byte(strings.Join(confs, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, door := range []string{"KnockSSH", "KnockTOTP"} {
		if out, err := ns.Exec(bins.client, "-v", "-c", cfgFile, door); err != nil || !strings.Contains(out, "hitting tcp") {
			t.Errorf("uciknock -c FILE %s: %v\n%s", door, err, out)
		}
	}

	// The router address the user types goes into every line.
	var res string
	b.eval(`(function() { var e = document.getElementById('knock-host'); e.value = '203.0.113.1'; e.dispatchEvent(new Event('input')); return 'ok'; })()`, &res)
	if got := b.text(".knock-command"); got != "uciknock 203.0.113.1 12345 34512 54321" {
		t.Errorf("after typing the address: %q", got)
	}
	b.shot("client")

	// Generate a secret, store it: it is what the router then has.
	b.click(".knock-generate")
	b.waitFor("the new secret", `!!document.querySelector('.knock-store')`, 5*time.Second)
	var totpCmd string
	b.eval(`document.querySelectorAll('.knock-command')[1].innerText`, &totpCmd)
	m := regexp.MustCompile(`--totp ([A-Z2-7]{32}) `).FindStringSubmatch(totpCmd)
	if m == nil || m[1] == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" {
		t.Fatalf("after Generate secret the command is %q, want a new 32-character base32 secret", totpCmd)
	}
	b.shot("client-new-secret")
	b.click(".knock-store")
	waitUCI(t, in, "the new secret committed", func(show string) bool {
		return strings.Contains(show, fmt.Sprintf("knock.@sequence[1].totp_secret='%s'", m[1]))
	}, 30*time.Second)
	if out := in.exec("uciknockd", "check", "/etc/config/knock"); !strings.Contains(out, "ok, 2 sequence(s)") {
		t.Errorf("uciknockd check after storing the secret: %s", out)
	}

	// With a configuration the daemon refuses (a batch_window LuCI
	// accepts), a new secret is not saved and not left staged in the
	// page: the router keeps the stored one.
	b.waitFor("the new secret applied", `document.body.innerText.indexOf('Configuration changes applied.') >= 0`, 30*time.Second)
	b.waitFor("the apply notice gone", "!"+modalOpen, 15*time.Second)
	in.exec("uci", "set", "knock.main.batch_window=20s")
	in.exec("uci", "commit", "knock")
	b.open(in, "admin/services/uciknock/client", ".knock-command")
	b.click(".knock-generate")
	b.waitFor("another new secret", `!!document.querySelector('.knock-store')`, 5*time.Second)
	b.click(".knock-store")
	b.waitFor("the refusal", `document.body.innerText.indexOf('Not saved:') >= 0`, 15*time.Second)
	var staged string
	b.eval(`L.require('uci').then(function(u) { return JSON.stringify(u.state.changes); })`, &staged)
	if strings.Contains(staged, "totp_secret") {
		t.Errorf("the refused secret is still staged in the page: %s", staged)
	}
	if show := in.exec("uci", "show", "knock"); !strings.Contains(show, fmt.Sprintf("knock.@sequence[1].totp_secret='%s'", m[1])) {
		t.Errorf("the stored secret changed after a refused one:\n%s", show)
	}
}
