// Package uci reads, edits and writes OpenWrt UCI configuration files
// exactly as libuci (openwrt/uci 66127cd) does, without cgo.
//
// What it does:
//
//   - Parse reads a config file with libuci's grammar and every quirk of
//     it (quoting, continuations, NUL bytes, merged duplicate sections,
//     empty values); errors are *ParseError with libuci's reason, line
//     and byte plus a column. Section.Spans locate each section in the
//     source. ParseWith adds what `uci -S` and `uci import` need.
//   - The model (Package, Section, Option) keeps file order and libuci's
//     anonymous ids (cfgNNHHHH). Its edits (Set, SetList, AddListItem,
//     Del, Add, AddNamed, Delete, Rename, Reorder, ...) validate like
//     libuci; Commit and RenderSection render what `uci commit` writes.
//   - File.Update safely changes a live config file that LuCI, uci and
//     fw4 use too (libuci's lock, untouched bytes kept, atomic replace).
//
// What it does not do: the `uci` command line (pointer syntax, show,
// export, batch, import, delta files) is package uci/ucicli, built on
// this one. No backends other than files, no Lua/ucode bindings.
//
// Example:
//
//	p, err := uci.Parse("firewall", data)
//	if err != nil {
//		return err // *uci.ParseError: "firewall:12:3: invalid command"
//	}
//	s, err := p.AddNamed("rule", "knock_192_0_2_7_22")
//	if err == nil {
//		err = s.Set("src_ip", "192.0.2.7")
//	}
//	if err != nil {
//		return err
//	}
//	os.Stdout.Write(p.Commit()) // what `uci commit` would write
package uci
