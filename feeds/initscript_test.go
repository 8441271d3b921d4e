package feeds

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uciknock/uciknock/internal/testenv"
)

// stubs stand in for rc.common, functions.sh and procd.sh: UCI values
// come from variables named UCI_<section>_<option>, the sections of type
// knockd are listed in UCI_knockd, and every procd call is printed.
const stubs = `
extra_command() { :; }
config_load() { echo "config_load $1"; }
config_foreach() {
	fn=$1
	eval "secs=\${UCI_$2-}"
	for s in $secs; do "$fn" "$s"; done
}
config_get() { eval "$1=\${UCI_$2_$3-}"; }
config_get_bool() {
	eval "v=\${UCI_$2_$3-}"
	case "$v" in
	1|on|true|yes|enabled) v=1 ;;
	0|off|false|no|disabled) v=0 ;;
	*) v=$4 ;;
	esac
	eval "$1=\$v"
}
procd_open_instance() { echo "open_instance"; }
procd_set_param() { echo "set_param $*"; }
procd_close_instance() { echo "close_instance"; }
procd_add_reload_trigger() { echo "reload_trigger $*"; }
procd_add_reload_interface_trigger() { echo "interface_trigger $*"; }
procd_running() { echo "running? $*"; [ "$RUNNING" = 1 ]; }
procd_send_signal() { echo "signal $*"; }
logger() { echo "logger $*: $(cat)"; }
# rc.common's procd start: the definition, then the triggers.
start() { echo "start"; start_service; service_triggers; }
`

// runInit sources the init script under the stubs with env set, points
// PROG at a fake uciknockd (printing its arguments, exiting with
// PROG_RC; `check` with CHECK_RC), calls fn and returns the output.
func runInit(t *testing.T, fn string, env ...string) string {
	t.Helper()
	dir := t.TempDir()
	fake := filepath.Join(dir, "uciknockd")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho \"uciknockd $*\"\n[ \"$1\" = check ] && exit ${CHECK_RC:-0}\nexit ${PROG_RC:-0}\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	stubFile := filepath.Join(dir, "stubs.sh")
	if err := os.WriteFile(stubFile, []byte(stubs), 0o644); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(testenv.ModuleRoot(t), "files/etc/init.d/knock")
	prog := fake
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "PROG="); ok {
			prog = v
		}
	}
	// dash here, busybox ash (OpenWrt's shell) where installed: both must
	// print the same.
	shells := [][]string{{"sh"}}
	if _, err := exec.LookPath("busybox"); err == nil {
		shells = append(shells, []string{"busybox", "ash"})
	}
	var first string
	for i, sh := range shells {
		args := append(sh[1:], "-c", `. "$1"; . "$2"; PROG="$3"; `+fn, "sh", stubFile, script, prog)
		cmd := exec.Command(sh[0], args...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v %s: %v\n%s", sh, fn, err, out)
		}
		if i == 0 {
			first = string(out)
		} else if string(out) != first {
			t.Errorf("%s: %v printed\n%s\nbut %v printed\n%s", fn, sh, out, shells[0], first)
		}
	}
	return first
}

// instance is what start_service sends for an enabled daemon.
func instance(prog string) string {
	return "open_instance\nset_param command " + prog + " run --log-format syslog\nset_param respawn\nset_param term_timeout 5\n" +
		"set_param stdout 1\nset_param stderr 1\nclose_instance\n"
}

func TestInitScript(t *testing.T) {
	const fake = "/nonexistent/uciknockd"
	tests := []struct {
		name string
		fn   string
		env  []string
		want string
	}{
		{"start, no global section", "start_service", nil, "config_load knock\n" + instance(fake)},
		{"start, enabled", "start_service", []string{"UCI_knockd=main", "UCI_main_enabled=1"}, "config_load knock\n" + instance(fake)},
		{"start, disabled: no instance", "start_service", []string{"UCI_knockd=main", "UCI_main_enabled=0"}, "config_load knock\n"},
		{"first knockd section wins", "start_service", []string{"UCI_knockd=a b", "UCI_a_enabled=off", "UCI_b_enabled=1"}, "config_load knock\n"},
		{"triggers, default interface", "service_triggers", nil,
			"config_load knock\nreload_trigger knock firewall\ninterface_trigger wan\n"},
		{"triggers, interfaces", "service_triggers", []string{"UCI_knockd=main", "UCI_main_interface=wan wan6 eth1"},
			"config_load knock\nreload_trigger knock firewall\ninterface_trigger wan\ninterface_trigger wan6\ninterface_trigger eth1\n"},
		{"reload, running: HUP", "reload_service", []string{"RUNNING=1"},
			"config_load knock\nrunning? knock\nstart\nconfig_load knock\n" + instance(fake) + "config_load knock\nreload_trigger knock firewall\ninterface_trigger wan\nsignal knock * HUP\n"},
		{"reload, not running: start, no HUP", "reload_service", nil,
			"config_load knock\nrunning? knock\nstart\nconfig_load knock\n" + instance(fake) + "config_load knock\nreload_trigger knock firewall\ninterface_trigger wan\n"},
		{"reload, now disabled: no instance, no HUP", "reload_service", []string{"RUNNING=1", "UCI_knockd=main", "UCI_main_enabled=0"},
			"config_load knock\nrunning? knock\nstart\nconfig_load knock\nconfig_load knock\nreload_trigger knock firewall\ninterface_trigger wan\n"},
		{"boot without the binary: just start", "boot", nil,
			"start\nconfig_load knock\n" + instance(fake) + "config_load knock\nreload_trigger knock firewall\ninterface_trigger wan\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runInit(t, tt.fn, append([]string{"PROG=" + fake}, tt.env...)...)
			if got != tt.want {
				t.Errorf("%s printed\n%s\nwant\n%s", tt.fn, got, tt.want)
			}
		})
	}
}

// TestInitScriptBootPurge checks that boot purges before it starts, logs
// the purge's output, and starts even when the purge fails.
func TestInitScriptBootPurge(t *testing.T) {
	out := runInit(t, "boot")
	purge := strings.Index(out, "logger -t knock -p daemon.notice: uciknockd purge -q")
	start := strings.Index(out, "start\n")
	if purge < 0 || start < 0 || purge > start {
		t.Errorf("boot: want the purge logged, then start; got\n%s", out)
	}
	out = runInit(t, "boot", "PROG_RC=1")
	if !strings.Contains(out, "logger -t knock -p daemon.err: boot purge of expired doors failed: uciknockd purge -q") ||
		!strings.Contains(out, "open_instance") {
		t.Errorf("boot with a failing purge: want an error logged and the daemon started; got\n%s", out)
	}
	for fn, want := range map[string]string{"check": "uciknockd check\n", "doors --json": "uciknockd status --json\n", "purge": "uciknockd purge\n"} {
		if got := runInit(t, fn); got != want {
			t.Errorf("%s printed %q, want %q", fn, got, want)
		}
	}
}

// TestInitScriptBrokenConfig: with `uciknockd check` failing, start
// registers no instance and fails (or, with a daemon running, exits
// before procd gets a definition without it); reload and restart leave
// the running daemon alone. The errors are logged at daemon.err.
func TestInitScriptBrokenConfig(t *testing.T) {
	tests := []struct {
		name, fn string
		env      []string
		want     []string
	}{
		{"start, not running", `start_service; echo "rc=$?"; service_started; echo "started=$?"`, nil,
			[]string{"logger -t knock -p daemon.err: \nnot started; fix /etc/config/knock", "running? knock", "rc=0", "started=1"}},
		{"start, running", `(start_service); echo "rc=$?"`, []string{"RUNNING=1"},
			[]string{"not started;", "running? knock", "rc=1"}},
		{"reload", `reload_service; echo "rc=$?"`, []string{"RUNNING=1"},
			[]string{"logger -t knock -p daemon.err: \nnot reloaded; the running daemon keeps its configuration", "rc=1"}},
		{"restart", `stop() { echo stop; }; restart; echo "rc=$?"`, []string{"RUNNING=1"},
			[]string{"not restarted;", "rc=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := runInit(t, tt.fn, append([]string{"CHECK_RC=1"}, tt.env...)...)
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("missing %q in\n%s", w, out)
				}
			}
			for _, bad := range []string{"open_instance", "signal", "\nstart\n", "\nstop\n"} {
				if strings.Contains(out, bad) {
					t.Errorf("%q despite a broken config:\n%s", bad, out)
				}
			}
		})
	}
}
