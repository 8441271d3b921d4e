// Package ucicli is a clone of OpenWrt's `uci` command line (cli.c of
// openwrt/uci 66127cd) built on package uci: the same output, messages
// and exit statuses, checked byte for byte against the golden corpus
// recorded from the real tool.
//
// What it does: CLI.Run runs one `uci` process: options -c -t -p -P -C
// -X -S -s -n -N -q -d -f -m, commands get, set, add, add_list,
// del_list, delete, rename, reorder, revert, changes, commit, show,
// export, import and batch, with the pointer syntax pkg.section.option
// (sections also as @type[i] / @[i]). Changes are libuci's delta
// ("save") files, replayed on every load and applied by commit with
// libuci's own protocol and locks. QuoteValue quotes a value for a batch
// line.
//
// What it does not do: it is a tool for machines without OpenWrt's uci
// (cmd/uci, built as build/uci for the demo and tests; not on routers). It commits like libuci, lost-update
// race included; a daemon changing a live file uses uci.File.Update.
// Config-file parsing, the model and rendering are package uci's.
//
// Example:
//
//	cli := &ucicli.CLI{ConfDir: "/etc/config", SaveDir: "/tmp/.uci"}
//	batch := "set firewall.@rule[-1].name=" + ucicli.QuoteValue("it's") + "\ncommit firewall\n"
//	status := cli.Run([]string{"batch"}, strings.NewReader(batch), os.Stdout, os.Stderr)
package ucicli
