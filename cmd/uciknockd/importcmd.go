package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/uciknock/uciknock/internal/atomicfile"
	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/pkg/knockdconf"
	"github.com/uciknock/uciknock/uci"
)

// cmdImport converts a knockd.conf. Default output: `uci batch` text on
// stdout, ending in `commit knock` (review it, then
// `uciknockd import FILE | uci batch`). With
// --write the result replaces --config, but only if it validates and the
// target does not exist yet (never clobber a hand-written config).
func cmdImport(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	p := pathFlags(fs)
	write := fs.Bool("write", false, "write the converted config to --config instead of printing uci batch text")
	force := fs.Bool("force", false, "with --write: replace an existing --config")
	// Flags may follow the file name (uciknockd import FILE --write).
	file, err := oneOperand(fs, args, "import takes one knockd.conf FILE")
	if err != nil {
		return err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	kf, err := knockdconf.Parse(file, data)
	if err != nil {
		return err
	}
	if !*write {
		// Over the existing config, the batch first deletes its sections
		// (the shipped sample's well-known doors must not stay enabled).
		var batch string
		var warnings []string
		if cur, rerr := os.ReadFile(p.Config); rerr == nil {
			existing, perr := uci.ParseFile(p.Config, "knock", cur)
			if perr != nil {
				return fmt.Errorf("current config: %w", perr)
			}
			batch, warnings, err = kf.ToUCIOver(existing)
		} else {
			batch, warnings, err = kf.ToUCI()
		}
		printWarnings(stderr, warnings)
		if err != nil {
			return err
		}
		// Commit in the batch: the daemon reads /etc/config/knock, not
		// uci's pending changes.
		_, err = io.WriteString(stdout, batch+"commit knock\n")
		return err
	}
	text, warnings, err := kf.ToConfig()
	printWarnings(stderr, warnings)
	if err != nil {
		return err
	}
	pkg, err := uci.ParseFile(p.Config, "knock", text)
	if err != nil {
		return fmt.Errorf("converted config does not parse (a bug): %w", err)
	}
	if _, err := config.Parse(pkg); err != nil {
		return fmt.Errorf("converted config is not valid: %w", err)
	}
	if _, err := os.Stat(p.Config); err == nil && !*force {
		return fmt.Errorf("%s exists; use --force to replace it, or apply the batch text with `uci batch`", p.Config)
	}
	if err := atomicfile.Write(p.Config, text, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes); check it with `uciknockd check`\n", p.Config, len(text))
	return nil
}

func printWarnings(w io.Writer, warnings []string) {
	for _, s := range warnings {
		fmt.Fprintf(w, "warning: %s\n", s)
	}
}

// oneOperand parses args (flags may follow the operand) and returns the
// one operand a subcommand takes, or a usage error saying what it takes.
func oneOperand(fs *flag.FlagSet, args []string, takes string) (string, error) {
	operands, err := parseArgs(fs, args)
	if err != nil {
		return "", err
	}
	if len(operands) != 1 {
		return "", fmt.Errorf("%w: %s", errUsage, takes)
	}
	return operands[0], nil
}
