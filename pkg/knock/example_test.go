package knock_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/uciknock/uciknock/pkg/knock"
)

func Example() {
	steps, err := knock.ParseSteps("7000,8000:udp,9000")
	if err != nil {
		panic(err)
	}
	flags, err := knock.ParseTCPFlags("syn,!ack")
	if err != nil {
		panic(err)
	}
	e, err := knock.New(knock.Config{Sequences: []knock.Sequence{{Name: "ssh", Steps: steps, Flags: flags}}})
	if err != nil {
		panic(err)
	}
	fmt.Println("filter:", e.Ports(time.Now()))

	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	src := netip.MustParseAddr("192.0.2.7")
	var events []knock.Event
	for i, st := range steps {
		k := knock.Knock{Src: src, Proto: st.Proto, Port: st.Port, Time: now.Add(time.Duration(i) * time.Second)}
		if st.Proto == knock.ProtoTCP {
			k.TCPFlags = knock.FlagSYN
		}
		events = e.Handle(k, events[:0])
		for _, ev := range events {
			fmt.Printf("%s completed %q\n", ev.Src, ev.Name)
		}
	}
	// Output:
	// filter: [7000:tcp 9000:tcp 8000:udp]
	// 192.0.2.7 completed "ssh"
}
