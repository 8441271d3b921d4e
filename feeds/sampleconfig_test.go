package feeds

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/uciknock/uciknock/internal/testenv"
	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/uci"
)

// TestSampleConfig checks the shipped /etc/config/knock: libuci-valid,
// a valid knock config, disabled, with the SSH open/close pair and the
// forward/unforward pair; and its commented TOTP example is valid once
// uncommented with a real secret.
func TestSampleConfig(t *testing.T) {
	path := filepath.Join(testenv.ModuleRoot(t), "files/etc/config/knock")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := parseKnock(t, path, data)
	if cfg.Global.Enabled {
		t.Error("the shipped sample must be disabled")
	}
	got := map[string]string{}
	for _, s := range cfg.Sequences {
		got[s.Path] = s.Name + " " + s.Action.String()
	}
	want := map[string]string{
		"knock.ssh_open": "KnockSSH open", "knock.ssh_close": "KnockSSH close",
		"knock.web_forward": "KnockWeb forward", "knock.web_unforward": "KnockWeb unforward",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("sequences %v, want %v", got, want)
	}

	// The TOTP example, uncommented.
	uncomment := regexp.MustCompile(`(?m)^#(config sequence 'ssh_totp'|\t.*)$`)
	totp := uncomment.ReplaceAllString(string(data), "$1")
	totp = strings.Replace(totp, "REPLACE_WITH_YOUR_BASE32_SECRET", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 1)
	cfg = parseKnock(t, path+" (TOTP example uncommented)", []byte(totp))
	last := cfg.Sequences[len(cfg.Sequences)-1]
	if last.Path != "knock.ssh_totp" || last.TOTP == nil {
		t.Errorf("TOTP example: last sequence %+v", last)
	}
}

func parseKnock(t *testing.T, path string, data []byte) *config.Config {
	t.Helper()
	p, err := uci.ParseFile(path, "knock", data)
	if err != nil {
		t.Fatalf("not valid UCI: %v", err)
	}
	cfg, err := config.Parse(p)
	if err != nil {
		t.Fatalf("%s: not a valid knock config: %v", path, err)
	}
	return cfg
}
