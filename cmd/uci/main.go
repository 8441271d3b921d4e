// Command uci is OpenWrt's uci(1) command line for machines without it:
// the demo, the tests, a development box. It is package uci/ucicli, a
// byte-exact clone of the real tool (same output, messages and exit
// statuses; docs/uci.md):
//
//	uci -c /tmp/d/etc/config show firewall
//	uci -c /tmp/d/etc/config batch < changes
//
// `make build` puts it in build/uci. The router packages do not ship it:
// a router has the real uci, and keeping the clone out of uciknockd saves
// the router 100 KB of flash (docs/benchmarks.md, binary sizes).
package main

import (
	"io"
	"os"

	"github.com/uciknock/uciknock/uci/ucicli"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var cli ucicli.CLI
	return cli.Run(args, stdin, stdout, stderr)
}
