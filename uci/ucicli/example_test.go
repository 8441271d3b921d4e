package ucicli_test

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/uciknock/uciknock/uci/ucicli"
)

func ExampleCLI_Run() {
	conf, _ := os.MkdirTemp("", "uci-example")
	defer os.RemoveAll(conf)
	os.WriteFile(filepath.Join(conf, "firewall"), []byte("config rule\n"), 0o644)
	cli := &ucicli.CLI{ConfDir: conf, SaveDir: filepath.Join(conf, ".save")}
	batch := "add firewall rule\nset firewall.@rule[-1].name=" + ucicli.QuoteValue("it's") + "\ncommit firewall\n"
	cli.Run([]string{"batch"}, strings.NewReader(batch), os.Stdout, os.Stdout)
	cli.Run([]string{"show", "firewall"}, nil, os.Stdout, os.Stdout)
	// Output:
	// cfg0292bd
	// firewall.@rule[0]=rule
	// firewall.@rule[1]=rule
	// firewall.@rule[1].name='it'\''s'
}
