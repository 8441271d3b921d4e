package command_test

import (
	"fmt"
	"net/netip"

	"github.com/uciknock/uciknock/pkg/command"
)

func ExampleSplit() {
	argv, err := command.Split(`/usr/sbin/iptables -I INPUT -s %IP% -m comment --comment 'knock door' -j ACCEPT`)
	if err != nil {
		fmt.Println(err)
		return
	}
	expanded, _ := command.Expand(argv, netip.MustParseAddr("fe80::7%eth0"))
	fmt.Printf("%q\n", expanded)
	_, err = command.Split("iptables -I INPUT -s %IP% -j ACCEPT; reboot")
	fmt.Println(err)
	// Output:
	// ["/usr/sbin/iptables" "-I" "INPUT" "-s" "fe80::7" "-m" "comment" "--comment" "knock door" "-j" "ACCEPT"]
	// command "iptables -I INPUT -s %IP% -j ACCEPT; reboot": byte 35: ";" is shell syntax; commands run without a shell, write sh -c '...' to use one
}
