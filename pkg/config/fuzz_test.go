package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uciknock/uciknock/uci"
)

// FuzzConfig: any text that libuci's grammar accepts goes through Parse
// without a panic, and Parse either returns a Config or *Errors whose
// every entry names a path inside the package.
func FuzzConfig(f *testing.F) {
	f.Add([]byte(sshOpen))
	f.Add([]byte("config knockd 'main'\n\toption interface 'wan eth0.2'\n\toption batch_window '1s'\n"))
	f.Add([]byte("config sequence\n\toption totp_secret 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'\n\toption dest_port '22'\n\toption name 'x'\n"))
	f.Add([]byte("config sequence 'c'\n\toption action 'close'\n\tlist sequence '1'\n\tlist sequence '2:udp'\n\toption dest_port '22'\n"))
	f.Add([]byte("config sequence 'f'\n\toption action 'forward'\n\toption sequence '1,2'\n\toption src_dport '80'\n\toption dest_ip '192.168.1.9'\n"))
	if ents, err := os.ReadDir("../../files/etc/config"); err == nil {
		for _, e := range ents {
			if b, err := os.ReadFile(filepath.Join("../../files/etc/config", e.Name())); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := uci.Parse("knock", data)
		if err != nil {
			return
		}
		cfg, err := Parse(p)
		if err == nil {
			if cfg == nil || len(cfg.Global.Interfaces) == 0 {
				t.Fatalf("Parse returned %v with no error", cfg)
			}
			return
		}
		var es *Errors
		if !errors.As(err, &es) || len(es.List) == 0 {
			t.Fatalf("error %v is not a non-empty *Errors", err)
		}
		for _, fe := range es.List {
			if !strings.HasPrefix(fe.Path, "knock.") {
				t.Fatalf("error path %q outside the package", fe.Path)
			}
		}
	})
}
