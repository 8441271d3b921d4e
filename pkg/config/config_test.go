package config

import (
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/uciknock/uciknock/pkg/knock"
)

const sshOpen = `
config sequence 'ssh'
	option name 'KnockSSH'
	list sequence '7000'
	list sequence '8000'
	list sequence '9000:udp'
	option tcpflags 'syn'
	option action 'open'
	option dest_port '22'
`

func TestDefaults(t *testing.T) {
	c := mustParse(t, sshOpen)
	wantG := Global{
		Path: "knock.main", Enabled: true,
		Interfaces: []Interface{{Name: "wan", MaybeNetwork: true}},
		LogLevel:   "info", Capacity: 4096, BatchWindow: 100 * time.Millisecond,
		SrcZone: "wan", DestZone: "lan", StateDir: "/etc/knock", CommandLimit: 30 * time.Second,
	}
	if !reflect.DeepEqual(c.Global, wantG) {
		t.Errorf("Global = %+v\nwant %+v", c.Global, wantG)
	}
	want := []Sequence{{
		Path: "knock.ssh", Name: "KnockSSH",
		Steps:      []knock.Step{{Port: 7000, Proto: knock.ProtoTCP}, {Port: 8000, Proto: knock.ProtoTCP}, {Port: 9000, Proto: knock.ProtoUDP}},
		Flags:      knock.FlagRule{Require: knock.FlagSYN},
		SeqTimeout: 25 * time.Second,
		Action:     ActionOpen, Proto: ProtoTCP, Port: 22, SrcZone: "wan", Timeout: time.Hour,
	}}
	if !reflect.DeepEqual(c.Sequences, want) {
		t.Errorf("Sequences = %+v\nwant %+v", c.Sequences, want)
	}
}

func TestGlobalOptions(t *testing.T) {
	tests := []struct {
		name string
		opts string
		// check inspects the parsed Global; nil when an error is expected.
		check func(Global) bool
		err   string
	}{
		{"disabled", `option enabled '0'`, func(g Global) bool { return !g.Enabled }, ""},
		{"enabled words", `option enabled 'yes'`, func(g Global) bool { return g.Enabled }, ""},
		{"bad bool", `option enabled 'maybe'`, nil, `knock.main.enabled: "maybe" is not a boolean`},
		{"interfaces list", "list interface 'wan'\n list interface 'eth0.2'", func(g Global) bool {
			return reflect.DeepEqual(g.Interfaces, []Interface{{"wan", true}, {"eth0.2", false}})
		}, ""},
		{"interfaces words", `option interface 'wan pppoe-wan'`, func(g Global) bool {
			return reflect.DeepEqual(g.Interfaces, []Interface{{"wan", true}, {"pppoe-wan", false}})
		}, ""},
		{"interface too long", `option interface 'abcdefghijklmnop'`, nil, `knock.main.interface: "abcdefghijklmnop" is not a network or device name (1..15 bytes)`},
		{"interface slash", `option interface 'a/b'`, nil, `knock.main.interface: "a/b" is not a network or device name`},
		{"interface twice", "list interface 'wan'\n list interface 'wan'", nil, `knock.main.interface: "wan" is listed twice`},
		{"empty list item", "list interface ''", nil, `knock.main.interface: item 1 is empty`},
		{"log level", `option log_level 'debug'`, func(g Global) bool { return g.LogLevel == "debug" }, ""},
		{"bad log level", `option log_level 'loud'`, nil, `knock.main.log_level: "loud" is not a log level`},
		{"capacity", `option capacity '100'`, func(g Global) bool { return g.Capacity == 100 }, ""},
		{"capacity small", `option capacity '15'`, nil, `knock.main.capacity: "15" is not a number of sources in 16..65536`},
		{"capacity text", `option capacity 'lots'`, nil, `knock.main.capacity: "lots"`},
		{"batch window ms", `option batch_window '250'`, func(g Global) bool { return g.BatchWindow == 250*time.Millisecond }, ""},
		{"batch window unit", `option batch_window '1s'`, func(g Global) bool { return g.BatchWindow == time.Second }, ""},
		{"batch window zero", `option batch_window '0'`, func(g Global) bool { return g.BatchWindow == 0 }, ""},
		{"batch window big", `option batch_window '11s'`, nil, `knock.main.batch_window: "11s" is out of range (0..10s)`},
		{"batch window unit bad", `option batch_window '5y'`, nil, `knock.main.batch_window: "5y" has an unknown unit "y"`},
		{"batch window negative", `option batch_window '-5'`, nil, `knock.main.batch_window: "-5" is not a duration`},
		{"reload command", `option reload_command '/sbin/fw4 -q reload'`, func(g Global) bool {
			return g.ReloadCommand == "/sbin/fw4 -q reload" && reflect.DeepEqual(g.Reload, []string{"/sbin/fw4", "-q", "reload"})
		}, ""},
		{"reload command quoted", `option reload_command "sh -c 'fw4 check && fw4 reload'"`, func(g Global) bool {
			return reflect.DeepEqual(g.Reload, []string{"sh", "-c", "fw4 check && fw4 reload"})
		}, ""},
		{"reload command shell", `option reload_command 'fw4 reload >/dev/null'`, nil, `knock.main.reload_command: command "fw4 reload >/dev/null": byte 11: ">" is shell syntax`},
		{"reload command blank", `option reload_command ' '`, nil, `knock.main.reload_command: empty command`},
		{"src zone", `option src 'wan6'`, func(g Global) bool { return g.SrcZone == "wan6" }, ""},
		{"src zone any", `option src '*'`, nil, `knock.main.src: "*" is not a firewall zone name`},
		{"dest zone", `option dest 'dmz'`, func(g Global) bool { return g.DestZone == "dmz" }, ""},
		{"zone too long", "option dest '" + strings.Repeat("z", 65) + "'", nil, `knock.main.dest: "zzz`},
		{"dest zone bad", `option dest 'my.lan'`, nil, `knock.main.dest: "my.lan" is not a firewall zone name`},
		{"dest zone with a hyphen (fw4 accepts it, so does the door)", `option dest 'my-lan'`, func(g Global) bool { return g.DestZone == "my-lan" }, ""},
		{"state dir", `option state_dir '/var/lib/knock'`, func(g Global) bool { return g.StateDir == "/var/lib/knock" }, ""},
		{"state dir relative", `option state_dir 'knock'`, nil, `knock.main.state_dir: "knock" is not an absolute path`},
		{"state dir unclean", `option state_dir '/etc//knock/'`, nil, `knock.main.state_dir: "/etc//knock/" is not a clean path (use "/etc/knock")`},
		{"command limit", `option command_limit '2m'`, func(g Global) bool { return g.CommandLimit == 2*time.Minute }, ""},
		{"command limit zero", `option command_limit '0'`, nil, `knock.main.command_limit: "0" is out of range (1s..1h)`},
		{"list for scalar", "list log_level 'info'", nil, `knock.main.log_level: must be a single option, not a list`},
		{"unknown", `option interfaces 'wan'`, nil, `knock.main.interfaces: unknown option (did you mean "interface"?)`},
		{"unknown far", `option colour 'blue'`, nil, `knock.main.colour: unknown option`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseText(t, "config knockd 'main'\n"+tt.opts+"\n"+sshOpen)
			if tt.check != nil {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if !tt.check(c.Global) {
					t.Errorf("unexpected Global %+v", c.Global)
				}
				return
			}
			wantErr(t, err, tt.err)
		})
	}
}

// wantErr checks that err is *Errors holding exactly one error that
// starts with want.
func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("Parse succeeded, want error %q", want)
	}
	got := fieldErrors(t, err)
	if len(got) != 1 || !strings.HasPrefix(got[0], want) {
		t.Errorf("errors = %q\nwant one starting with %q", got, want)
	}
}

func TestGlobalSectionForms(t *testing.T) {
	c := mustParse(t, "config knockd\n option log_level 'warn'\n"+sshOpen)
	if c.Global.Path != "knock.@knockd[0]" || c.Global.LogLevel != "warn" {
		t.Errorf("anonymous global: %+v", c.Global)
	}
	_, err := parseText(t, "config knockd 'main'\nconfig knockd\n option bogus '1'\n"+sshOpen)
	// Named sections count in @type[i] too, as in `uci show`.
	wantErr(t, err, "knock.@knockd[1]: a second knockd section; only one is allowed")
	_, err = parseText(t, "config client 'x'\n"+sshOpen)
	wantErr(t, err, `knock.x: unknown section type "client"`)
}

func TestGlobalZoneDefaultsApplyToSequences(t *testing.T) {
	// The global section may come after the sequences.
	c := mustParse(t, `
config sequence 'web'
	option sequence '1001 1002'
	option action 'forward'
	option src_dport '8080'
	option dest_ip '192.168.1.10'
	option dest_port '80'
config sequence 'ssh'
	option sequence '2001 2002'
	option dest_port '22'
	option src 'vpn'
config knockd 'main'
	option src 'wan6'
	option dest 'dmz'
`)
	web, ssh := c.Sequences[0], c.Sequences[1]
	if web.SrcZone != "wan6" || web.DestZone != "dmz" || ssh.SrcZone != "vpn" || ssh.DestZone != "" {
		t.Errorf("zones: web %q->%q, ssh %q->%q", web.SrcZone, web.DestZone, ssh.SrcZone, ssh.DestZone)
	}
	if web.Port != 8080 || web.DestPort != 80 || web.DestIP != netip.MustParseAddr("192.168.1.10") || web.Proto != ProtoTCP {
		t.Errorf("forward: %+v", web)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "knock")
	if err := os.WriteFile(good, []byte("config sequence\n\toption name 'SSH'\n\toption sequence '7000,8000,9000'\n\toption dest_port '22'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(good)
	if err != nil || len(cfg.Sequences) != 1 {
		t.Fatalf("Load: %v, %+v", err, cfg)
	}
	if got := cfg.Sequences[0].DescribeKnocks(); got != "7000:tcp,8000:tcp,9000:tcp" {
		t.Errorf("DescribeKnocks = %q", got)
	}
	bad := filepath.Join(dir, "bad")
	if err := os.WriteFile(bad, []byte("config sequence\n\toption name 'SSH'\n\toption dest_port 'x'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); err == nil || !strings.HasPrefix(err.Error(), bad+": ") || !strings.Contains(err.Error(), "knock.@sequence[0]") {
		t.Errorf("Load(bad) = %v, want the file and the UCI path", err)
	}
	if _, err := Load(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file loaded")
	}
	syntax := filepath.Join(dir, "syntax")
	if err := os.WriteFile(syntax, []byte("config 'sequence\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(syntax); err == nil || !strings.Contains(err.Error(), syntax) {
		t.Errorf("Load(syntax) = %v, want file:line", err)
	}
}
