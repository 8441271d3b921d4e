package daemon

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uciknock/uciknock/pkg/config"
)

const knockdConf = `[options]
	logfile = /var/log/knockd.log

[openSSH]
	sequence    = 7000,8000,9000
	seq_timeout = 5
	command     = /usr/sbin/iptables -A INPUT -s %IP% -p tcp --dport 22 -j ACCEPT
	tcpflags    = syn

[closeSSH]
	sequence    = 9000,8000,7000
	seq_timeout = 5
	command     = /usr/sbin/iptables -D INPUT -s %IP% -p tcp --dport 22 -j ACCEPT
	tcpflags    = syn
`

func TestImport(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "knockd.conf")
	if err := os.WriteFile(file, []byte(knockdConf), 0o644); err != nil {
		t.Fatal(err)
	}
	p := Paths{Config: filepath.Join(dir, "knock")}

	batch, _, err := ImportBatch(p, file)
	if err != nil || !strings.HasSuffix(batch, "commit knock\n") || !strings.Contains(batch, "7000") {
		t.Fatalf("batch over no config: %v\n%s", err, batch)
	}
	n, _, err := ImportWrite(p, file, false)
	if err != nil || n == 0 {
		t.Fatalf("write: %d, %v", n, err)
	}
	cfg, err := config.Load(p.Config)
	if err != nil || len(cfg.Sequences) == 0 {
		t.Fatalf("written config does not load: %v", err)
	}
	if fi, _ := os.Stat(p.Config); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if _, _, err := ImportWrite(p, file, false); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("clobbered an existing config: %v", err)
	}
	if _, _, err := ImportWrite(p, file, true); err != nil {
		t.Errorf("--force: %v", err)
	}
	// Over the existing config the batch deletes its sections first.
	over, _, err := ImportBatch(p, file)
	if err != nil || !strings.Contains(over, "delete knock.") || !strings.HasSuffix(over, "commit knock\n") {
		t.Errorf("batch over a config: %v\n%s", err, over)
	}
	if err := os.WriteFile(p.Config, []byte("config 'broken\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ImportBatch(p, file); err == nil || !strings.Contains(err.Error(), "current config") {
		t.Errorf("batch over a broken config: %v", err)
	}
	if _, _, err := ImportBatch(p, filepath.Join(dir, "missing.conf")); err == nil {
		t.Error("missing knockd.conf accepted")
	}
	if _, _, err := ImportWrite(p, filepath.Join(dir, "missing.conf"), true); err == nil {
		t.Error("missing knockd.conf written")
	}
}
