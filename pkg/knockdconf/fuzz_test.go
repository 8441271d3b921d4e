package knockdconf

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/uci"
)

// FuzzKnockdConf: Parse never panics; whatever it accepts converts
// without a panic, and a successful conversion renders a file that the
// UCI parser reads back to the same package and config.Parse accepts.
func FuzzKnockdConf(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.conf")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("[options]\nUseSyslog\n[d]\none_time_sequences = /x\ncommand_6 =\nstop_command = /etc/uciknockd.sh close-port A %IP% 1\n"))
	f.Add([]byte("[a b]\nsequence = 1:udp\ntarget = 2001:db8::1\ncommand = /bin/echo '%IP%'\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		kf, err := Parse("k", data)
		if err != nil {
			return
		}
		if _, _, err := kf.ToUCI(); err != nil {
			return
		}
		text, _, err := kf.ToConfig()
		if err != nil {
			t.Fatalf("ToUCI succeeded but ToConfig failed: %v", err)
		}
		p, err := uci.Parse("knock", text)
		if err != nil {
			t.Fatalf("rendered config does not parse: %v\n%s", err, text)
		}
		if got := p.Commit(); string(got) != string(text) {
			t.Fatalf("rendered config is not in uci commit form:\n%s\nuci commit writes\n%s", text, got)
		}
		if _, err := config.Parse(p); err != nil {
			t.Fatalf("rendered config does not validate: %v\n%s", err, text)
		}
	})
}
