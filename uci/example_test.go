package uci_test

import (
	"fmt"

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
	fmt.Print(string(p.Commit()))
	// Output:
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
