package door_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/uciknock/uciknock/pkg/door"
	"github.com/uciknock/uciknock/uci"
)

// The section an open door becomes; stop_date here in UTC as fw3 with
// utc_time '1' takes it.
func ExampleSection() {
	d, err := door.Door{
		Kind:    door.Rule,
		Prefix:  "KnockSSH",
		Src:     netip.MustParseAddr("192.0.2.7"),
		Port:    22,
		Expires: time.Date(2026, 11, 25, 21, 30, 0, 0, time.UTC),
	}.Normalize()
	if err != nil {
		panic(err)
	}
	fmt.Print(string(uci.RenderSection(door.Section(d, door.TimeLimit{UTC: true}))))
	// Output:
	// config rule 'uciknock_KnockSSH_192_0_2_7_22_49b56172_e1795642200'
	// 	option name 'KnockSSH_192.0.2.7_22'
	// 	option src 'wan'
	// 	option src_ip '192.0.2.7'
	// 	option proto 'tcp'
	// 	option dest_port '22'
	// 	option target 'ACCEPT'
	// 	option family 'ipv4'
	// 	option stop_date '2026-11-25T21:30:00'
	// 	option utc_time '1'
}
