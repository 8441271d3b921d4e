package knockdconf

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uciknock/uciknock/internal/testenv"
	"github.com/uciknock/uciknock/uci"
	"github.com/uciknock/uciknock/uci/ucicli"
)

// TestBatchOverSample feeds ToUCIOver's output for each seed example to
// uci's own batch (the libuci-exact CLI in package uci/ucicli) over the shipped
// sample /etc/config/knock and commits: the result must be exactly what
// ToConfig renders, so the two import paths agree and nothing of the
// sample survives.
func TestBatchOverSample(t *testing.T) {
	sample, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(t), "files/etc/config/knock"))
	if err != nil {
		t.Fatal(err)
	}
	existing, err := uci.Parse("knock", sample)
	if err != nil {
		t.Fatalf("sample: %v", err)
	}
	seeds, _ := filepath.Glob("testdata/*.conf")
	for _, seed := range seeds {
		t.Run(filepath.Base(seed), func(t *testing.T) {
			f := readSeed(t, filepath.Base(seed))
			batch, _, err := f.ToUCIOver(existing)
			if err != nil {
				t.Fatal(err)
			}
			want, _, err := f.ToConfig()
			if err != nil {
				t.Fatal(err)
			}
			conf, save := t.TempDir(), t.TempDir()
			if err := os.WriteFile(filepath.Join(conf, "knock"), sample, 0o600); err != nil {
				t.Fatal(err)
			}
			cli := &ucicli.CLI{ConfDir: conf, SaveDir: save}
			var out, errs bytes.Buffer
			if rc := cli.Run([]string{"batch"}, strings.NewReader(batch+"commit knock\n"), &out, &errs); rc != 0 || errs.Len() > 0 {
				t.Fatalf("uci batch: exit %d, stderr %q", rc, errs.String())
			}
			got, err := os.ReadFile(filepath.Join(conf, "knock"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("after uci batch:\n%s\nToConfig:\n%s", got, want)
			}
		})
	}
}
