package uci_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/uciknock/uciknock/uci"
)

func Example() {
	p, err := uci.Parse("firewall", []byte("# stock\nconfig zone\n\toption name 'wan'\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := p.AddNamed("rule", "knock_192_0_2_7_22")
	if err == nil {
		err = s.Set("src_ip", "192.0.2.7")
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(p.Show(true)))
	fmt.Print(string(p.Commit()))
	// Output:
	// firewall.@zone[0]=zone
	// firewall.@zone[0].name='wan'
	// firewall.knock_192_0_2_7_22=rule
	// firewall.knock_192_0_2_7_22.src_ip='192.0.2.7'
	//
	// config zone
	// 	option name 'wan'
	//
	// config rule 'knock_192_0_2_7_22'
	// 	option src_ip '192.0.2.7'
}

func ExampleParse_error() {
	_, err := uci.Parse("firewall", []byte("config rule r\n\toptoin name 'x'\n"))
	if pe, ok := err.(*uci.ParseError); ok {
		fmt.Println(pe)
		fmt.Println(pe.LibUCI())
	}
	// Output:
	// firewall:2:2: invalid command
	// Parse error (invalid command) at line 2, byte 1
}

func ExampleCLI_Run() {
	conf, _ := os.MkdirTemp("", "uci-example")
	defer os.RemoveAll(conf)
	os.WriteFile(filepath.Join(conf, "firewall"), []byte("config rule\n"), 0o644)
	cli := &uci.CLI{ConfDir: conf, SaveDir: filepath.Join(conf, ".save")}
	batch := "add firewall rule\nset firewall.@rule[-1].name=" + uci.QuoteValue("it's") + "\ncommit firewall\n"
	cli.Run([]string{"batch"}, strings.NewReader(batch), os.Stdout, os.Stdout)
	cli.Run([]string{"show", "firewall"}, nil, os.Stdout, os.Stdout)
	// Output:
	// cfg0292bd
	// firewall.@rule[0]=rule
	// firewall.@rule[1]=rule
	// firewall.@rule[1].name='it'\''s'
}
