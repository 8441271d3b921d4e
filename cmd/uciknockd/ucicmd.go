package main

import (
	"io"
	"os"

	"github.com/uciknock/uciknock/uci/ucicli"
)

// cmdUCI runs the uci command line from package uci/ucicli, for machines without
// OpenWrt's uci (the demo, tests, a development box): `uciknockd uci -c DIR
// show firewall`. On a router, use the real `uci`.
func cmdUCI(args []string, stdout, stderr io.Writer) int {
	var cli ucicli.CLI
	return cli.Run(args, os.Stdin, stdout, stderr)
}
