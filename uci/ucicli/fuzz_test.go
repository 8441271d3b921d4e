package ucicli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uciknock/uciknock/uci"
	"github.com/uciknock/uciknock/uci/internal/syntax"
)

// addGoldenSeeds adds every corpus file of that name (command files,
// delta files) as a seed.
func addGoldenSeeds(f *testing.F, file string) {
	f.Helper()
	for _, c := range goldenCases(f) {
		if b, err := os.ReadFile(filepath.Join(c.dir, file)); err == nil {
			f.Add(b)
		}
	}
}

// FuzzBatch: the batch tokenizer and the delta-line replay never panic
// and always terminate, on any input.
func FuzzBatch(f *testing.F) {
	addGoldenSeeds(f, "commands")
	addGoldenSeeds(f, "delta")
	f.Add([]byte("set a.b.c='x\n"))
	base, err := uci.Parse("firewall", []byte("config rule r\n\toption a 1\n\tlist l x\nconfig zone\n"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lx := syntax.New(data)
		for n := 0; !lx.EOF; n++ {
			if n > len(data)+1 {
				t.Fatal("batch tokenizer does not advance")
			}
			argv, _, _ := batchArgs(lx)
			if len(argv) > maxBatchArgs {
				t.Fatalf("%d words", len(argv))
			}
		}
		l := &loaded{p: base.Clone(), hasDelta: true}
		l.replayDelta(data)
		l.p.Commit()
	})
}

// FuzzCLI runs arbitrary batch input through the interpreter against a
// small config (fresh for every input): no command sequence may panic,
// and the config file is always either the original or a rendered
// package.
func FuzzCLI(f *testing.F) {
	addGoldenSeeds(f, "commands")
	f.Add([]byte("add firewall rule\nset firewall.@rule[-1].x='1'\nrename firewall.@rule[0]=r\nreorder firewall.r=-5\ndelete firewall.z.l=0\ncommit firewall\n"))
	f.Add([]byte("import firewall\nchanges\nrevert firewall.z\nexport\nshow\n"))
	const base = "config rule\n\toption name 'x'\nconfig zone z\n\tlist l 'a'\n\tlist l 'b'\n"
	dir := f.TempDir()
	conf, save := filepath.Join(dir, "conf"), filepath.Join(dir, "save")
	f.Fuzz(func(t *testing.T, data []byte) {
		os.RemoveAll(conf)
		os.RemoveAll(save)
		if err := os.MkdirAll(conf, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(conf, "firewall"), []byte(base), 0o644); err != nil {
			t.Fatal(err)
		}
		cli := &CLI{ConfDir: conf, SaveDir: save}
		var out strings.Builder
		if rc := cli.Run([]string{"batch"}, strings.NewReader(string(data)), &out, &out); rc != 0 {
			t.Fatalf("batch exit %d", rc)
		}
		got, err := os.ReadFile(filepath.Join(conf, "firewall"))
		if err != nil {
			return // "import" may have replaced it by a package of another name
		}
		if string(got) != base && (len(got) == 0 || got[len(got)-1] != '\n') {
			t.Fatalf("config file not a rendered package: %q", got)
		}
	})
}
