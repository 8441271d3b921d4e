package ucicli

import (
	"errors"
	"io"
	"os"
	"strings"

	"github.com/uciknock/uciknock/uci"
	"github.com/uciknock/uciknock/uci/internal/syntax"
)

// CLI runs command lines of OpenWrt's `uci` tool (cli.c) against a config
// directory and a delta ("save") directory, with uci's output, messages
// and exit statuses. Each Run is one `uci` process; `batch` reads its
// commands from stdin with uci's own tokenizer.
//
// The zero value uses libuci's defaults (/etc/config, /tmp/.uci, no
// override directory). Command-line options (-c, -t, -p, -P, -C, -X, -S,
// -s, -n, -N, -q, -d, -f) override the fields for one Run.
type CLI struct {
	// ConfDir holds the config files (uci -c). Default /etc/config.
	ConfDir string
	// SaveDir holds this session's delta files (uci -t). Default
	// /tmp/.uci.
	SaveDir string
	// DeltaDirs are extra delta directories read before SaveDir (uci -p).
	// libuci's default context also reads /tmp/.uci when -t moves the save
	// directory elsewhere; list it here to get that behaviour.
	DeltaDirs []string
	// OverrideDir is the runtime override directory (uci -C): a file of
	// the package's name there is used instead of ConfDir's. Empty: none.
	OverrideDir string
}

// session is the state of one Run (libuci's context plus cli.c's flags).
type session struct {
	confDir, saveDir string
	deltaDirs        []string
	overrideDir      string
	stdout, stderr   io.Writer
	input            io.Reader
	inputErr         error

	showExt, quiet, strict, perrors bool
	exportName, noCommit, inBatch   bool
	merge                           bool
	delim                           string

	// batch is the tokenizer over the batch input. libuci frees its parse
	// context whenever a package is loaded, which restarts the buffer and
	// the line count; batchAlive false means that happened.
	batch      *syntax.Lexer
	batchAlive bool
}

// Run executes one uci command line (args without the program name, e.g.
// {"-c", dir, "show", "firewall"}) and returns the exit status uci would.
func (c *CLI) Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ss := &session{confDir: c.ConfDir, saveDir: c.SaveDir, overrideDir: c.OverrideDir,
		deltaDirs: append([]string(nil), c.DeltaDirs...), stdout: stdout, stderr: stderr,
		input: stdin, showExt: true, strict: true, delim: " "}
	if ss.confDir == "" {
		ss.confDir = "/etc/config"
	}
	if ss.saveDir == "" {
		ss.saveDir = "/tmp/.uci"
	}
	rest, ret, done := ss.options(args)
	if done {
		return ret
	}
	if len(rest) < 1 {
		ss.usage()
		return 0
	}
	ret = ss.cmd(rest)
	if ret == 255 {
		ss.usage()
	}
	return ret & 0xff
}

// options handles getopt("c:d:f:LmnNp:P:sSqXt:C:") with GNU argument
// permutation: options may follow the command; "--" ends them.
func (ss *session) options(args []string) (rest []string, ret int, done bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(rest, args[i+1:]...), 0, false
		}
		if len(a) < 2 || a[0] != '-' {
			rest = append(rest, a)
			continue
		}
		for k := 1; k < len(a); k++ {
			o := a[k]
			if strings.IndexByte("cdfpPtC", o) >= 0 {
				val := a[k+1:]
				if val == "" {
					if i+1 >= len(args) {
						io.WriteString(ss.stderr, "uci: option requires an argument -- '"+string(o)+"'\n")
						ss.usage()
						return nil, 0, true
					}
					i++
					val = args[i]
				}
				if r, stop := ss.optionArg(o, val); stop {
					return nil, r, true
				}
				break
			}
			if !ss.optionFlag(o) {
				io.WriteString(ss.stderr, "uci: invalid option -- '"+string(o)+"'\n")
				ss.usage()
				return nil, 0, true
			}
		}
	}
	return rest, 0, false
}

func (ss *session) optionArg(o byte, val string) (int, bool) {
	switch o {
	case 'c':
		ss.confDir = val
	case 'd':
		ss.delim = val
	case 'f':
		f, err := os.Open(val)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			ss.cliError("uci: " + err.Error())
			return 1, true
		}
		data, err := io.ReadAll(f)
		f.Close()
		ss.input, ss.inputErr = strings.NewReader(string(data)), err
	case 'p':
		ss.deltaDirs = append(ss.deltaDirs, val)
	case 'P':
		ss.deltaDirs = append(ss.deltaDirs, ss.saveDir)
		ss.saveDir = val
		ss.noCommit = true
	case 't':
		ss.saveDir = val
	case 'C':
		ss.overrideDir = val
	}
	return 0, false
}

func (ss *session) optionFlag(o byte) bool {
	switch o {
	case 'L':
	case 'm':
		ss.merge = true
	case 'n':
		ss.exportName = true
	case 'N':
		ss.exportName = false
	case 's':
		ss.strict = true
	case 'S':
		ss.strict, ss.perrors = false, true
	case 'q':
		ss.quiet = true
	case 'X':
		ss.showExt = false
	default:
		return false
	}
	return true
}

// cmd is uci_cmd: dispatch one command; 255 means "unknown command /
// wrong number of arguments".
func (ss *session) cmd(argv []string) int {
	switch strings.ToLower(argv[0]) {
	case "batch":
		if ss.inBatch {
			return 255
		}
		return ss.runBatch()
	case "show", "changes", "export", "commit":
		return ss.packageCmd(strings.ToLower(argv[0]), argv)
	case "get", "set", "rename", "ren", "revert", "reorder", "del", "delete", "add_list", "del_list":
		return ss.sectionCmd(strings.ToLower(argv[0]), argv)
	case "add":
		return ss.add(argv)
	case "import":
		return ss.importCmd(argv, ss.merge)
	case "help":
		ss.usage()
		return 0
	}
	return 255
}

func (ss *session) cliError(msg string) {
	if !ss.quiet {
		io.WriteString(ss.stderr, msg)
	}
}

// perror is cli_perror: "uci: <libuci error text>".
func (ss *session) perror(err error) {
	if ss.quiet {
		return
	}
	io.WriteString(ss.stderr, "uci: "+ss.errorText(err)+"\n")
}

// errorText is uci_get_errorstr: parse errors carry their position when
// libuci still has a parse context (after a failed load, or inside a
// batch, whose tokenizer context then reports "unknown").
func (ss *session) errorText(err error) string {
	var pe *uci.ParseError
	if errors.As(err, &pe) {
		if pe.Code == uci.CodeMem {
			return uci.CodeMem.String()
		}
		return pe.LibUCI()
	}
	code := codeOf(err)
	if code == uci.CodeParse && ss.inBatch && ss.batchAlive {
		return "Parse error (unknown) at line " + itoa(ss.batch.Line) + ", byte 0"
	}
	return code.String()
}

func (ss *session) usage() {
	io.WriteString(ss.stderr, usageText)
}

const usageText = `Usage: uci [<options>] <command> [<arguments>]

Commands:
	batch
	export     [<config>]
	import     [<config>]
	changes    [<config>]
	commit     [<config>]
	add        <config> <section-type>
	add_list   <config>.<section>.<option>=<string>
	del_list   <config>.<section>.<option>=<string>
	show       [<config>[.<section>[.<option>]]]
	get        <config>.<section>[.<option>]
	set        <config>.<section>[.<option>]=<value>
	delete     <config>[.<section>[[.<option>][=<id>]]]
	rename     <config>.<section>[.<option>]=<name>
	revert     <config>[.<section>[.<option>]]
	reorder    <config>.<section>=<position>

Options:
	-c <path>  set the search path for config files (default: /etc/config)
	-C <path>  set the search path for config override files (default: /var/run/uci)
	-d <str>   set the delimiter for list values in uci show
	-f <file>  use <file> as input instead of stdin
	-m         when importing, merge data into an existing package
	-n         name unnamed sections on export (default)
	-N         don't name unnamed sections
	-p <path>  add a search path for config change files
	-P <path>  add a search path for config change files and use as default
	-t <path>  set save path for config change files
	-q         quiet mode (don't print error messages)
	-s         force strict mode (stop on parser errors, default)
	-S         disable strict mode
	-X         do not use extended syntax on 'show'

`
