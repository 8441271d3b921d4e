// Package syntax is libuci's text syntax, shared by the config-file
// parser (package uci) and the uci command line (package uci/ucicli),
// which reads batch commands and delta ("save") files with the same
// tokenizer libuci uses for config files.
//
// What it does: Lexer reads statements exactly as libuci's file.c does
// (uci_getln, parse_str and the quoting rules, next_arg) on the same
// NUL-terminated, growing line buffer, so positions and quirks match
// byte for byte; AppendQuoted and AppendEscaped write values the way
// libuci prints them; AnonID is libuci's id for an anonymous section.
//
// What it does not do: know statements (package, config, option, list)
// or build a model; that is package uci's parser. It is internal so that
// neither package has to export its tokenizer.
//
// Example (read the words of each line, as `uci batch` does):
//
//	lx := syntax.New(data)
//	for !lx.EOF {
//		lx.NextLine()
//		for {
//			v, err := lx.NextArg()
//			if err != nil {
//				return err // err.Reason, err.Line, err.Byte
//			}
//			if lx.At(v) == 0 {
//				break // no more words on this statement
//			}
//			words = append(words, lx.Str(v))
//		}
//	}
package syntax
