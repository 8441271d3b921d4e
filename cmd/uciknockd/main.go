package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// version is set by the build: -ldflags "-X main.version=…".
var version = "dev"

// paths are the files the daemon and its subcommands work on. Defaults are
// OpenWrt's; tests and the demo point them into a temporary directory.
type paths struct {
	config      string // /etc/config/knock
	firewall    string // /etc/config/firewall
	overrideDir string // /var/run/uci (libuci's runtime override)
	stateDir    string // overrides knock.main.state_dir when set
	root        string // prefix for /sbin/fw4 detection and /etc/TZ
}

func (p *paths) register(fs *flag.FlagSet) {
	fs.StringVar(&p.config, "config", "/etc/config/knock", "knock configuration `file`")
	fs.StringVar(&p.firewall, "firewall", "/etc/config/firewall", "firewall configuration `file`")
	fs.StringVar(&p.overrideDir, "override-dir", "/var/run/uci", "libuci runtime override `dir` (\"\" disables)")
	fs.StringVar(&p.stateDir, "state-dir", "", "state `dir` for one-time sequences (default: knock.main.state_dir)")
	fs.StringVar(&p.root, "root", "/", "system root `dir` used to find fw4/fw3 and /etc/TZ")
}

// errUsage marks command-line mistakes: exit status 2 after the usage text.
var errUsage = errors.New("usage")

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cmd := "run"
	if len(args) > 0 && len(args[0]) > 0 && (args[0][0] != '-' || topLevelFlag(args[0])) {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "run":
		err = cmdRun(args, stderr)
	case "check":
		err = cmdCheck(args, stdout)
	case "status":
		err = cmdStatus(args, stdout)
	case "close":
		err = cmdClose(args, stdout)
	case "purge":
		err = cmdPurge(args, stdout)
	case "import":
		err = cmdImport(args, stdout, stderr)
	case "uci":
		return cmdUCI(args, stdout, stderr)
	case "version", "-version", "--version", "-V":
		fmt.Fprintf(stdout, "uciknockd %s\n", version)
		return 0
	case "help", "-h", "-help", "--help":
		usage(stdout)
		return 0
	default:
		fmt.Fprintf(stderr, "uciknockd: unknown command %q\n", cmd)
		usage(stderr)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "uciknockd %s: %v\n", cmd, err)
		return 2
	default:
		fmt.Fprintf(stderr, "uciknockd %s: %v\n", cmd, err)
		return 1
	}
}

// topLevelFlag reports whether arg asks for help or the version rather
// than being one of run's flags: `uciknockd --help` must list the commands,
// not only run's flags, and `uciknockd --version` must not fail.
func topLevelFlag(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "-V", "-version", "--version":
		return true
	}
	return false
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: uciknockd [COMMAND] [FLAGS] [ARGS]

commands:
  run      the daemon (the default): sniff knocks, open and close doors
           [--config FILE] [--firewall FILE] [--override-dir DIR] [--state-dir DIR]
           [--root DIR] [--log-level LEVEL] [--log-format text|json] [--socket PATH]
  check    [--json] [FILE]      validate /etc/config/knock, report every error
  status   [--json]             list the open doors and their expiry
  close    NAME|IP              close doors by rule name or source address
  purge                         remove expired doors (boot, before the firewall)
  import   KNOCKD.CONF [--write]  convert a knockd.conf to /etc/config/knock
  uci      [-c CONFDIR] [-t SAVEDIR] COMMAND ...  a uci(1) work-alike
  version                       print the version (also --version, -V)
  help                          this text (also --help, -h)

"uciknockd COMMAND --help" lists the flags of one command.
`)
}

// parseArgs parses flags that may come before or after the operands
// (`uciknockd close 192.0.2.7 --socket S`), returning the operands. "--"
// ends the flags.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var operands []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return operands, nil
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(operands, rest...), nil
		}
		operands = append(operands, rest[0])
		args = rest[1:]
	}
}
