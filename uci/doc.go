// Package uci reads, edits and writes OpenWrt UCI configuration files
// exactly as libuci (openwrt/uci 66127cd) does, without cgo.
//
// What it does:
//
//   - Parse reads a config file with libuci's own grammar and quirks:
//     package/config/option/list and their one-letter forms, ';' between
//     statements, comments, the three quoting styles, backslash rules
//     (line continuation, also before CRLF), multi-line quoted values,
//     NUL bytes, merging of a section name declared twice, empty values,
//     and every strict-mode error with libuci's reason text, line and
//     byte, plus a column (ParseError). Section.Spans give the source
//     range of every section for byte-preserving edits. ParseWith adds
//     what `uci -S` and `uci import` need: lax parsing, merging into a
//     package with the changes made, several packages in one input.
//   - The model (Package, Section, Option) keeps file order and libuci's
//     anonymous ids (cfgNNHHHH: counter and djb2 of the type).
//   - Edits (Set, SetList, AddListItem, DelListItem, Del, Add, AddNamed,
//     Delete, Rename, Reorder) validate like libuci, so a model edited
//     through them always commits to a file libuci reads back the same;
//     Commit and RenderSection render the bytes `uci commit` writes.
//   - File.Update is the safe way for a daemon to change a live config
//     file that LuCI and uci also write (see its documentation).
//
// What it does not do: the `uci` command line, its pointer syntax
// (pkg.@type[i].option), `uci show`/`uci export` output, batch files,
// imports and libuci's delta ("save") files are package uci/ucicli, which
// builds on this one. No plugins or backends other than files, no
// Lua/ucode bindings.
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
