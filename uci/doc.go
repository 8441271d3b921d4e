// Package uci reads, edits and writes OpenWrt UCI configuration exactly
// as libuci (openwrt/uci 66127cd) does, without cgo.
//
// What it does:
//
//   - Parse reads a config file with libuci's own grammar and quirks:
//     package/config/option/list and their one-letter forms, ';' between
//     statements, comments, the three quoting styles, backslash rules
//     (line continuation, also before CRLF), multi-line quoted values,
//     NUL bytes, merging of a section name declared twice, empty values,
//     and every strict-mode error with libuci's reason text, line and
//     byte, plus a column (ParseError). ParseLax is `uci -S`. Section.Spans
//     give the source range of every section for byte-preserving edits.
//   - The model (Package, Section, Option) keeps file order and libuci's
//     anonymous ids (cfgNNHHHH: counter and djb2 of the type). Lookup
//     resolves names and @type[i] / @[i] with negative indexes.
//   - Edits (Set, SetList, AddListItem, Del, Add, AddNamed, Delete, Rename,
//     Reorder) validate like libuci; Commit renders the bytes `uci commit`
//     writes, Export and Show those of `uci export` and `uci show`.
//   - CLI runs `uci` command lines (get, set, add, add_list, del_list,
//     delete, rename, reorder, revert, changes, commit, show, export,
//     import, batch) with uci's output, messages and exit statuses, reading and
//     writing libuci's delta ("save") files. It reproduces every case of
//     the golden corpus recorded from the real tool.
//   - File.Update is the safe way for a daemon to change a live config
//     file that LuCI and uci also write (see its documentation).
//
// What it does not do: plugins and backends other than files, the UCI
// Lua/ucode bindings. CLI commits with libuci's own protocol (and its
// lost-update race); daemons use File.Update.
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
