package uci_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/uciknock/uciknock/uci"
)

func ExampleFile_Update() {
	dir, _ := os.MkdirTemp("", "uci-update-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "firewall")
	os.WriteFile(path, []byte("# the user's comment\nconfig zone\n\toption name\t\twan  # kept\n"), 0o644)

	f := &uci.File{Path: path, OverrideDir: filepath.Join(dir, "run")}
	changed, err := f.Update(func(p *uci.Package) error {
		s, err := p.AddNamed("rule", "knock_192_0_2_7_22")
		if err != nil {
			return err
		}
		return s.Set("src_ip", "192.0.2.7")
	})
	fmt.Println(changed, err)
	b, _ := os.ReadFile(path)
	fmt.Print(string(b))
	// Output:
	// true <nil>
	// # the user's comment
	// config zone
	// 	option name		wan  # kept
	//
	// config rule 'knock_192_0_2_7_22'
	// 	option src_ip '192.0.2.7'
}
