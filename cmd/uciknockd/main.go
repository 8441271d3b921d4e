package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/rs/zerolog"

	"github.com/uciknock/uciknock/internal/daemonlog"
	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/pkg/daemon"
)

// version is set by the build: -ldflags "-X main.version=…".
var version = "dev"

// commandFlags returns the flag set of a subcommand with the flags that
// point it at its files (daemon.DefaultPaths: OpenWrt's; tests and the
// demo use a temporary directory).
func commandFlags(name string) (*flag.FlagSet, *daemon.Paths) {
	fs, p, d := flag.NewFlagSet(name, flag.ContinueOnError), &daemon.Paths{}, daemon.DefaultPaths
	fs.StringVar(&p.Config, "config", d.Config, "knock configuration `file`")
	fs.StringVar(&p.Firewall, "firewall", d.Firewall, "firewall configuration `file`")
	fs.StringVar(&p.OverrideDir, "override-dir", d.OverrideDir, "libuci runtime override `dir` (\"\" disables)")
	fs.StringVar(&p.StateDir, "state-dir", "", "state `dir` for one-time sequences (default: knock.main.state_dir)")
	fs.StringVar(&p.Root, "root", d.Root, "system root `dir` used to find fw4/fw3 and /etc/TZ")
	return fs, p
}

// noOperands fails with a usage error when flags were followed by operands.
func noOperands(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	return nil
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
		// Earlier versions had the uci(1) clone here; scripts that used
		// it learn where it went.
		fmt.Fprintln(stderr, "uciknockd: uci is not part of uciknockd: use OpenWrt's uci, or build/uci (cmd/uci, `make build`) elsewhere")
		return 2
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

// cmdRun is `uciknockd run`: flags, the logger and the instance lock
// here; the daemon's tasks in pkg/daemon.
func cmdRun(args []string, stderr io.Writer) error {
	fs, p := commandFlags("run")
	logLevel := fs.String("log-level", "", "log `level` (debug, info, warn, error); default: knock.main.log_level")
	logFormat := fs.String("log-format", "text", "log `format`: text (stderr), json (stderr) or syslog (/dev/log, at each line's priority; what the init script uses)")
	socket := fs.String("socket", daemon.DefaultSocket, "control socket `path` (\"\" disables)")
	memLimit := fs.String("memory-limit", "", "Go soft memory `limit` (e.g. 16MiB, off); default 16MiB unless GOMEMLIMIT is set")
	ringSize := fs.String("capture-ring", "", "capture ring `size` per interface, a multiple of 64KiB (default 768KiB: 5,376 packets; each MiB is a MiB of RSS)")
	// Catch SIGHUP first: procd may signal a daemon that is still starting,
	// and an unhandled HUP would kill it.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := noOperands(fs); err != nil {
		return err
	}
	cfg, err := config.Load(p.Config)
	if err != nil {
		return err
	}
	level := cfg.Global.LogLevel
	if *logLevel != "" {
		level = *logLevel
	}
	log, logLevels, err := daemonlog.Open(stderr, level, *logFormat)
	if err != nil {
		return err
	}
	if _, err := daemon.SetMemoryLimit(*memLimit); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	ring, err := daemon.RingOption(*ringSize)
	if err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if *socket != "" {
		lock, err := daemon.LockInstance(*socket)
		if err != nil {
			return err
		}
		defer lock.Close()
	}
	if !cfg.Global.Enabled {
		log.Warn().Str("config", p.Config).Msg("disabled (knock.main.enabled is 0): nothing to do")
		return nil
	}
	srv, err := daemon.New(daemon.Options{Paths: *p, Socket: *socket, Version: version, Log: log, Ring: ring, LogLevel: levelOnReload(log, logLevels, *logLevel)}, cfg)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	return srv.Serve(ctx, hup)
}

// levelOnReload is daemon.Options.LogLevel: knock.main.log_level applies
// on a reload, unless --log-level (flagLevel) was given: the command line
// wins, as at start.
func levelOnReload(log zerolog.Logger, l *daemonlog.Level, flagLevel string) func(string) {
	if flagLevel != "" {
		return nil
	}
	return func(level string) { l.Apply(log, level) }
}
