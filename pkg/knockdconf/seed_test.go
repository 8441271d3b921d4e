package knockdconf

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/uciknock/uciknock/uci"
)

var update = flag.Bool("update", false, "rewrite the golden .uci files")

func readSeed(t *testing.T, name string) *File {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(name, data)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return f
}

// TestSeedExamples converts the seed's three knockd.conf examples and
// compares the result with reviewed golden files and warnings.
func TestSeedExamples(t *testing.T) {
	tests := []struct {
		file  string
		warns []string
	}{
		{"seed-default.conf", []string{
			"seed-default.conf: no Interface: knockd listened on eth0; uciknockd listens on the wan network unless knock.main.interface is set",
			"seed-default.conf:2: LogFile ignored: uciknockd logs to the system log (logread)",
			"seed-default.conf:7: iptables command: fw4 (OpenWrt 22.03 and later) uses nftables; consider action open or forward instead",
			"seed-default.conf:13: iptables command: fw4 (OpenWrt 22.03 and later) uses nftables; consider action open or forward instead",
		}},
		{"seed-forward-sh.conf", []string{
			"seed-forward-sh.conf:2: LogFile ignored: uciknockd logs to the system log (logread)",
		}},
		{"seed-uciknockd.conf", []string{
			"seed-uciknockd.conf:2: LogFile ignored: uciknockd logs to the system log (logread)",
			"seed-uciknockd.conf:8: door [openSSH] never closes by itself, as in knockd; consider setting a timeout",
			"seed-uciknockd.conf:20: door [openFORWARD] never closes by itself, as in knockd; consider setting a timeout",
			"seed-uciknockd.conf:20: forward: uciknockd writes the redirect with reflection '0', so LAN hosts cannot bypass the knock (the seed script left NAT reflection on)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f := readSeed(t, tt.file)
			text, warns, err := f.ToConfig()
			if err != nil {
				t.Fatalf("ToConfig: %v", err)
			}
			if !reflect.DeepEqual(warns, tt.warns) {
				t.Errorf("warnings:\n%s\nwant\n%s", strings.Join(warns, "\n"), strings.Join(tt.warns, "\n"))
			}
			golden := filepath.Join("testdata", strings.TrimSuffix(tt.file, ".conf")+".uci")
			if *update {
				if err := os.WriteFile(golden, text, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(text, want) {
				t.Errorf("ToConfig:\n%s\nwant (%s):\n%s", text, golden, want)
			}
		})
	}
}

func TestSeedBatch(t *testing.T) {
	f := readSeed(t, "seed-uciknockd.conf")
	batch, _, err := f.ToUCI()
	if err != nil {
		t.Fatal(err)
	}
	want := `set knock.main=knockd
set knock.main.enabled='1'
set knock.main.interface='eth0.2'
set knock.openSSH=sequence
set knock.openSSH.name='KnockdSSH'
set knock.openSSH.sequence='12345 34512 54321'
set knock.openSSH.seq_timeout='5'
set knock.openSSH.tcpflags='syn'
set knock.openSSH.action='open'
set knock.openSSH.dest_port='22'
set knock.openSSH.timeout='0'
set knock.closeSSH=sequence
set knock.closeSSH.name='KnockdSSH'
set knock.closeSSH.sequence='54321 12345 11123'
set knock.closeSSH.seq_timeout='5'
set knock.closeSSH.tcpflags='syn'
set knock.closeSSH.action='close'
set knock.closeSSH.dest_port='22'
set knock.openFORWARD=sequence
set knock.openFORWARD.name='KnockdFW'
set knock.openFORWARD.sequence='1455 3244 1000'
set knock.openFORWARD.seq_timeout='5'
set knock.openFORWARD.tcpflags='syn'
set knock.openFORWARD.action='forward'
set knock.openFORWARD.src_dport='81'
set knock.openFORWARD.dest_ip='192.168.1.99'
set knock.openFORWARD.dest_port='80'
set knock.openFORWARD.timeout='0'
set knock.closeFORWARD=sequence
set knock.closeFORWARD.name='KnockdFW'
set knock.closeFORWARD.sequence='3244 1455 1001'
set knock.closeFORWARD.seq_timeout='5'
set knock.closeFORWARD.tcpflags='syn'
set knock.closeFORWARD.action='unforward'
set knock.closeFORWARD.src_dport='81'
`
	if batch != want {
		t.Errorf("ToUCI:\n%s\nwant\n%s", batch, want)
	}
}

func TestToUCIOver(t *testing.T) {
	f := readSeed(t, "seed-forward-sh.conf")
	existing, err := uci.Parse("knock", []byte("config knockd 'main'\n\toption enabled '0'\nconfig sequence 'ssh_open'\n\toption sequence '7000 8000 9000'\nconfig sequence\n\toption sequence '1'\n"))
	if err != nil {
		t.Fatal(err)
	}
	batch, _, err := f.ToUCIOver(existing)
	if err != nil {
		t.Fatal(err)
	}
	want := "delete knock.main\ndelete knock.ssh_open\ndelete knock.cfg03489e\nset knock.main=knockd\nset knock.main.enabled='1'\nset knock.main.interface='eth1'\nset knock.OpenPort=sequence\n"
	if !strings.HasPrefix(batch, want) {
		t.Errorf("batch:\n%s\nwant prefix\n%s", batch, want)
	}
}
