package config_test

import (
	"fmt"

	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/uci"
)

func ExampleParse() {
	p, err := uci.Parse("knock", []byte(`
config knockd 'main'
	option interface 'wan'

config sequence 'ssh'
	option name 'KnockSSH'
	option sequence '7000 8000 9000'
	option tcpflags 'syn'
	option dest_port '22'
	option timeout '30m'

config sequence
	option sequence '9000 8000 70000'
	option action 'close'
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = config.Parse(p)
	fmt.Println(err)

	p.Sections = p.Sections[:2]
	cfg, _ := config.Parse(p)
	s := cfg.Sequences[0]
	fmt.Println(s.Path, s.Name, s.Action, s.Steps, s.Flags, s.Proto, s.Port, s.SrcZone, s.Timeout)
	// Output:
	// 3 errors:
	// 	knock.@sequence[1].sequence: knock "70000": port 70000 out of range (1-65535)
	// 	knock.@sequence[1].name: missing: action close needs a name, the prefix of the firewall rule names
	// 	knock.@sequence[1].dest_port: missing: action close closes the door with this name and port
	// knock.ssh KnockSSH open [7000:tcp 8000:tcp 9000:tcp] syn tcp 22 wan 30m0s
}
