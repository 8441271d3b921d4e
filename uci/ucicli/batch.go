package ucicli

import (
	"io"
	"strings"

	"github.com/uciknock/uciknock/uci/internal/syntax"
)

// maxBatchArgs is cli.c's MAX_ARGS: words per batch command line.
const maxBatchArgs = 4

// runBatch is uci_batch: read commands from the input until EOF or
// "exit". A failing command prints its error and the batch goes on; the
// batch itself always succeeds.
func (ss *session) runBatch() int {
	var data []byte
	var err error
	if ss.input != nil {
		data, err = io.ReadAll(ss.input)
	}
	if err == nil {
		err = ss.inputErr
	}
	if err != nil {
		ss.cliError("uci: " + err.Error())
		return 1
	}
	ss.inBatch = true
	defer func() { ss.inBatch = false }()
	ss.batch = syntax.New(data)
	ss.batchAlive = true
	for !ss.batch.EOF {
		switch ss.batchCmd() {
		case 254:
			return 0
		case 255:
			ss.cliError("Unknown command\n")
		}
	}
	return 0
}

// batchCmd is uci_batch_cmd: split one command with the config-file
// tokenizer (quotes may span lines) and run it.
func (ss *session) batchCmd() int {
	lx := ss.batch
	if !ss.batchAlive {
		// A fresh libuci parse context: new buffer, line count from 0;
		// the input position is kept.
		lx.Restart()
		ss.batchAlive = true
	}
	argv, lerr, tooMany := batchArgs(lx)
	if tooMany {
		ss.cliError("Too many arguments\n")
		return 1
	}
	if lerr != nil {
		ss.perror(lexError(lerr))
		return 0
	}
	if len(argv) == 0 {
		return 0
	}
	if strings.EqualFold(argv[0], "exit") {
		return 254
	}
	return ss.cmd(argv)
}

// batchArgs reads the words of one batch command: the next line, and
// more lines while a quote is open (uci_parse_argument). tooMany is set
// when a fifth word would follow.
func batchArgs(lx *syntax.Lexer) (argv []string, lerr *syntax.Error, tooMany bool) {
	for i := 0; ; i++ {
		if i == maxBatchArgs {
			return nil, nil, true
		}
		if i == 0 {
			lx.NextLine()
		}
		v, err := lx.NextArg()
		if err != nil {
			return nil, err, false
		}
		a := lx.Str(v)
		if a == "" {
			return argv, nil, false
		}
		argv = append(argv, a)
	}
}

// QuoteValue quotes s for a uci batch line or a UCI file: in single
// quotes, each single quote written as quote, backslash, quote, quote
// (the form uci itself prints).
func QuoteValue(s string) string {
	return string(syntax.AppendQuoted(nil, s))
}
