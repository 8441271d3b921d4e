package browsertest

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

const formKnock = `config knockd 'main'
	option enabled '1'
	list interface 'wan'

config sequence 'ssh_open'
	option name 'KnockSSH'
	option sequence '12345 34512 54321'
	option tcpflags 'syn'
	option dest_port '22'
	option timeout '3600'
`

// setModalField types value into the modal's field for option opt (a text
// input or a select) and fires the events LuCI's widgets listen to, so
// browser-side validation and dependencies run as for a user.
func setModalField(b *browser, opt, value string) {
	b.t.Helper()
	var res string
	b.eval(fmt.Sprintf(`(function(opt, val) {
		var row = document.querySelector('.modal .cbi-value[data-name="' + opt + '"]');
		if (!row) return 'no field ' + opt;
		var el = row.querySelector('select, input:not([type=hidden])');
		if (!el) return 'no input in ' + opt;
		if (el.tagName == 'SELECT') {
			el.value = val;
			el.dispatchEvent(new Event('change', { bubbles: true }));
		} else {
			el.focus();
			el.value = val;
			['input', 'keyup', 'change', 'blur'].forEach(function(e) { el.dispatchEvent(new Event(e, { bubbles: true })); });
		}
		return 'ok';
	})(%q, %q)`, opt, value), &res)
	if res != "ok" {
		b.t.Fatalf("set %s: %s", opt, res)
	}
}

// modalOpen is true while LuCI's modal dialog is shown.
const modalOpen = `document.body.classList.contains('modal-overlay-active')`

func saveModal(b *browser) {
	b.t.Helper()
	b.click(`.modal .button-row .cbi-button-positive`)
}

// TestLuCIForm: add a sequence through the form and apply it (checked in
// /etc/config/knock with the real uci); a bad port is refused in the
// browser; errors only the daemon finds are shown at their fields (in the
// modal and on the page) and nothing is saved.
func TestLuCIForm(t *testing.T) {
	bin := sandbox(t)
	conf := configDir(t, map[string]string{"knock": formKnock})
	in, b := luciAndBrowser(t, bin, conf)

	b.open(in, "admin/services/uciknock/sequences", "#cbi-knock-sequence")
	if got := b.text("#knock-daemon-state"); !strings.Contains(got, "not running") {
		t.Errorf("daemon state notice %q, want it to say the daemon is not running", got)
	}
	b.shot("sequences")

	// Add a sequence: first with a port the browser refuses.
	b.click(`#cbi-knock-sequence .cbi-section-create .cbi-button-add`)
	b.waitFor("the modal", `!!document.querySelector('.modal .cbi-value[data-name="name"]')`, 10*time.Second)
	setModalField(b, "name", "KnockWeb")
	setModalField(b, "sequence", "7100 7200:udp 7300")
	setModalField(b, "tcpflags", "syn")
	setModalField(b, "action", "open")
	setModalField(b, "dest_port", "70000")
	saveModal(b)
	time.Sleep(500 * time.Millisecond)
	var invalid bool
	b.eval(`!!document.querySelector('.modal .cbi-value[data-name="dest_port"] .cbi-input-invalid')`, &invalid)
	var open bool
	b.eval(modalOpen, &open)
	if !invalid || !open {
		t.Fatalf("port 70000: field marked invalid %v, modal still open %v; want both", invalid, open)
	}
	b.shot("sequences-browser-invalid-port")
	setModalField(b, "dest_port", "8443")
	setModalField(b, "timeout", "600")
	b.shot("sequences-modal")
	saveModal(b)
	b.waitFor("the modal to close", "!"+modalOpen, 15*time.Second)

	// Save & Apply: the daemon's check passes, LuCI commits.
	b.click(`.cbi-page-actions .cbi-button-apply`)
	waitUCI(t, in, "the new sequence committed", func(show string) bool { return strings.Contains(show, "'KnockWeb'") }, 30*time.Second)
	b.waitFor("apply to finish", `!document.querySelector('.modal') || !`+modalOpen, 30*time.Second)
	show := in.exec("uci", "show", "knock")
	for _, want := range []string{
		"knock.@sequence[1]=sequence", "knock.@sequence[1].name='KnockWeb'",
		"knock.@sequence[1].sequence='7100 7200:udp 7300'", "knock.@sequence[1].tcpflags='syn'",
		"knock.@sequence[1].dest_port='8443'", "knock.@sequence[1].timeout='600'",
	} {
		if !strings.Contains(show, want) {
			t.Errorf("uci show knock lacks %s:\n%s", want, show)
		}
	}
	// No action option: open is the default, and LuCI writes no default.
	if out := in.exec("uciknockd", "check", "/etc/config/knock"); !strings.Contains(out, "ok, 2 sequence(s)") || !regexp.MustCompile(`KnockWeb +open`).MatchString(out) {
		t.Errorf("uciknockd check of the committed file: %s", out)
	}
	committed := in.exec("cat", "/etc/config/knock")

	// A close whose port matches no open: only the daemon can tell. The
	// modal stays open with its message at the port field.
	b.open(in, "admin/services/uciknock/sequences", "#cbi-knock-sequence")
	b.click(`#cbi-knock-sequence .cbi-section-create .cbi-button-add`)
	b.waitFor("the modal", `!!document.querySelector('.modal .cbi-value[data-name="name"]')`, 10*time.Second)
	setModalField(b, "name", "KnockWeb")
	setModalField(b, "sequence", "7300 7200 7100")
	setModalField(b, "action", "close")
	setModalField(b, "dest_port", "9443")
	saveModal(b)
	b.waitFor("the daemon's error at the port field",
		`!!document.querySelector('.modal .cbi-value[data-name="dest_port"] .knock-check-error')`, 15*time.Second)
	msg := b.text(`.modal .cbi-value[data-name="dest_port"] .knock-check-error`)
	if !strings.Contains(msg, "would never close anything") {
		t.Errorf("error at dest_port %q, want the daemon's message", msg)
	}
	if !b.visible(`.modal .cbi-value[data-name="dest_port"] .knock-check-error`) {
		t.Error("the daemon's error is not on screen (its tab was not shown)")
	}
	b.eval(modalOpen, &open)
	if !open {
		t.Error("the modal closed although the daemon refused the sequence")
	}
	b.shot("sequences-daemon-error")
	b.click(`.modal .button-row .cbi-button:not(.cbi-button-positive)`) // Dismiss
	b.waitFor("the modal to close", "!"+modalOpen, 10*time.Second)

	// A global value the browser accepts but the daemon does not: the page
	// Save shows it at the field and saves nothing.
	var res string
	b.eval(`(function() {
		var el = document.querySelector('#cbi-knock-main-batch_window input');
		if (!el) return 'no batch_window field';
		el.value = '20s';
		['input', 'keyup', 'change', 'blur'].forEach(function(e) { el.dispatchEvent(new Event(e, { bubbles: true })); });
		return 'ok';
	})()`, &res)
	if res != "ok" {
		t.Fatal(res)
	}
	b.click(`.cbi-page-actions .cbi-button-save`)
	b.waitFor("the daemon's error at batch_window",
		`!!document.querySelector('#cbi-knock-main-batch_window .knock-check-error')`, 15*time.Second)
	if p := b.attr(`#cbi-knock-main-batch_window .knock-check-error`, "data-path"); p != "knock.main.batch_window" {
		t.Errorf("error path %q, want knock.main.batch_window", p)
	}
	if !b.visible(`#cbi-knock-main-batch_window .knock-check-error`) {
		t.Error("the daemon's batch_window error is not on screen")
	}
	b.shot("sequences-save-refused")
	if got := in.exec("cat", "/etc/config/knock"); got != committed {
		t.Errorf("/etc/config/knock changed although the daemon refused:\n%s", got)
	}
	if ch := in.exec("ubus", "call", "uci", "changes", `{"config":"knock"}`); strings.Contains(ch, "batch_window") || strings.Contains(ch, "9443") {
		t.Errorf("refused values were staged: %s", ch)
	}
}

// attr returns an attribute of the first element matching sel.
func (b *browser) attr(sel, name string) string {
	b.t.Helper()
	var s string
	b.eval(fmt.Sprintf(`(function(){var e=document.querySelector(%q);return e?(e.getAttribute(%q)||""):""})()`, sel, name), &s)
	return s
}

// waitUCI polls `uci show knock` in the instance until cond holds.
func waitUCI(t *testing.T, in *instance, what string, cond func(string) bool, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		show := in.exec("uci", "show", "knock")
		if cond(show) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s:\n%s", timeout, what, show)
		}
		time.Sleep(300 * time.Millisecond)
	}
}
