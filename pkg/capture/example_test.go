package capture_test

import (
	"fmt"
	"time"

	"github.com/uciknock/uciknock/pkg/capture"
	"github.com/uciknock/uciknock/pkg/knock"
)

func ExampleDecode() {
	// A cooked IPv4 TCP SYN from 198.51.100.7 to 192.0.2.1:7000, cut after
	// 14 bytes of TCP header as the filter leaves it.
	pkt := []byte{
		0x45, 0x00, 0x00, 0x28, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
		198, 51, 100, 7, 192, 0, 2, 1,
		0x9c, 0x40, 0x1b, 0x58, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02,
	}
	var k knock.Knock
	if err := capture.Decode(pkt, 0x0800, time.Unix(0, 0), &k); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(k.Src, "->", k.Dst, k.Port, k.Proto, k.TCPFlags == knock.FlagSYN)
	// Output: 198.51.100.7 -> 192.0.2.1 7000 tcp true
}

func ExampleFilter() {
	prog, err := capture.Filter([]capture.Port{
		{Proto: knock.ProtoTCP, Port: 7000},
		{Proto: knock.ProtoUDP, Port: 9000},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(prog), "instructions")
	// Output: 128 instructions
}
