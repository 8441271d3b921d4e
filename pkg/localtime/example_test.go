package localtime_test

import (
	"fmt"
	"time"

	"github.com/uciknock/uciknock/pkg/localtime"
)

func Example() {
	zone, err := localtime.ParseTZ("CET-1CEST,M3.5.0,M10.5.0/3")
	if err != nil {
		fmt.Println(err)
		return
	}
	expires := time.Date(2026, 11, 25, 20, 30, 0, 0, time.UTC)
	fmt.Println(zone.StopDate(expires))
	// In the repeated hour nft would read "02:30" as 01:30 UTC, an hour
	// late; StopDate picks the string nft reads as 00:30 UTC.
	fmt.Println(zone.StopDate(time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC)))
	// Output:
	// 2026-11-25T21:30:00
	// 2026-10-25T01:30:00
}
