// Package jsonscan reads the members of one JSON object without
// encoding/json: keys and raw values, nested objects and arrays kept as
// their raw text. It is what the daemon needs from the JSON it meets (a
// zerolog event line, `ubus call network.interface.X status`) and keeps
// encoding/json's decoder, and the reflection it brings, out of the
// router binary (docs/benchmarks.md, binary sizes).
//
// It checks the structure it walks (balanced brackets, terminated strings,
// colons and commas in place) but not the grammar of numbers and literals,
// which it passes on as raw text; it does not build values.
//
// Example:
//
//	members, err := jsonscan.Object([]byte(`{"l3_device":"pppoe-wan","up":true}`))
//	// members[0].Key == "l3_device", members[0].String() == "pppoe-wan"
package jsonscan
