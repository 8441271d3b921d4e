package knockdconf_test

import (
	"fmt"

	"github.com/uciknock/uciknock/pkg/knockdconf"
)

func ExampleFile_ToUCI() {
	f, err := knockdconf.Parse("/etc/knockd.conf", []byte(`
[options]
	interface = eth0.2
[openSSH]
	sequence    = 12345,34512,54321
	seq_timeout = 5
	command     = /etc/uciknockd.sh open-port KnockdSSH %IP% 22
	stop_command = /etc/uciknockd.sh close-port KnockdSSH %IP% 22
	cmd_timeout = 600
	tcpflags    = syn
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	batch, warnings, err := f.ToUCI()
	fmt.Print(batch, warnings, err)
	// Output:
	// set knock.main=knockd
	// set knock.main.enabled='1'
	// set knock.main.interface='eth0.2'
	// set knock.openSSH=sequence
	// set knock.openSSH.name='KnockdSSH'
	// set knock.openSSH.sequence='12345 34512 54321'
	// set knock.openSSH.seq_timeout='5'
	// set knock.openSSH.tcpflags='syn'
	// set knock.openSSH.action='open'
	// set knock.openSSH.dest_port='22'
	// set knock.openSSH.timeout='600'
	// [] <nil>
}
