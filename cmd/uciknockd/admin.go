package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/pkg/daemon"
	"github.com/uciknock/uciknock/pkg/door"
)

// The admin commands: check, status, close, purge and import. What they
// do to the system is in pkg/daemon and pkg/door; here are their flags
// and output.

func cmdCheck(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the result as JSON, every error with its UCI path (for LuCI)")
	operands, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	path := daemon.DefaultPaths.Config
	switch len(operands) {
	case 0:
	case 1:
		path = operands[0]
	default:
		return fmt.Errorf("%w: check takes at most one FILE", errUsage)
	}
	var warnings []string
	cfg, err := daemon.Check(path, func(w string) { warnings = append(warnings, w) })
	if *asJSON {
		return writeCheckJSON(stdout, path, cfg, warnings, err)
	}
	for _, w := range warnings {
		fmt.Fprintf(stdout, "warning: %s\n", w)
	}
	if err != nil {
		return err
	}
	state := "enabled"
	if !cfg.Global.Enabled {
		state = "disabled (knock.main.enabled is 0)"
	}
	fmt.Fprintf(stdout, "%s: ok, %d sequence(s), daemon %s\n", path, len(cfg.Sequences), state)
	for _, s := range cfg.Sequences {
		fmt.Fprintf(stdout, "  %-24s %-9s %s\n", s.Name, s.Action, s.DescribeKnocks())
	}
	return nil
}

// writeCheckJSON prints the result of daemon.Check as config.Report. A
// configuration with errors is still a successful run of the command's
// JSON output, but the exit status stays 1 so scripts can test it.
func writeCheckJSON(w io.Writer, path string, cfg *config.Config, warnings []string, err error) error {
	res := config.NewReport(path, cfg, warnings, err)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if encErr := enc.Encode(res); encErr != nil {
		return encErr
	}
	if !res.OK {
		return errCheckFailed
	}
	return nil
}

// errCheckFailed makes `check --json` exit 1 after printing the errors.
var errCheckFailed = errors.New("configuration has errors (see the JSON output)")

func cmdStatus(args []string, stdout io.Writer) error {
	fs, p := commandFlags("status")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := noOperands(fs); err != nil {
		return err
	}
	doors, state, err := daemon.Status(*p, time.Now())
	if err != nil {
		return err
	}
	if *asJSON {
		if doors == nil {
			doors = []door.Listing{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(doors)
	}
	fmt.Fprintln(stdout, "fast path: "+state)
	if len(doors) == 0 {
		fmt.Fprintln(stdout, "no open doors")
		return nil
	}
	rows := [][]string{{"NAME", "TYPE", "SOURCE", "PORT", "LEFT", "KERNEL", "SECTION"}}
	for _, d := range doors {
		left := "never"
		switch {
		case d.Expired:
			left = "expired"
		case d.Left >= 0:
			left = (time.Duration(d.Left) * time.Second).String()
		}
		note := ""
		if !d.Enabled {
			note = " (disabled)"
		} else if d.Edited {
			note = " (edited)"
		}
		live := "-"
		if d.Live {
			live = "live"
		}
		rows = append(rows, []string{d.Name, d.Type, d.Source, strconv.Itoa(int(d.Port)), left, live, d.Section + note})
	}
	return writeTable(stdout, rows)
}

// writeTable writes rows the way text/tabwriter with padding 2 writes
// cells separated by tabs: every cell but a row's last padded with blanks
// to the width of its column's widest cell plus two (TestWriteTable
// compares them). By hand because text/tabwriter costs the router binary
// 12 KB (docs/benchmarks.md, binary sizes).
func writeTable(w io.Writer, rows [][]string) error {
	var widths []int
	for _, r := range rows {
		for i := 0; i < len(r)-1; i++ {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(r[i]))
		}
	}
	var b []byte
	for _, r := range rows {
		for i, cell := range r {
			b = append(b, cell...)
			if i < len(r)-1 {
				for n := utf8.RuneCountInString(cell); n < widths[i]+2; n++ {
					b = append(b, ' ')
				}
			}
		}
		b = append(b, '\n')
	}
	_, err := w.Write(b)
	return err
}

// cmdClose closes doors by rule name or by source address: through the
// running daemon when there is one, else directly in the firewall config.
func cmdClose(args []string, stdout io.Writer) error {
	fs, p := commandFlags("close")
	socket := fs.String("socket", daemon.DefaultSocket, "control socket `path` of the running daemon")
	target, err := oneOperand(fs, args, "close takes one NAME or IP")
	if err != nil {
		return err
	}
	answer, err := daemon.AskRunningDaemon(*socket, "close "+target)
	if err == nil {
		fmt.Fprintln(stdout, answer)
		return nil
	}
	if !errors.Is(err, daemon.ErrNoDaemon) {
		return err
	}
	r, err := daemon.CloseOffline(*p, door.ParseSelector(target))
	if r.Removed > 0 {
		fmt.Fprintf(stdout, "ok: removed %d door(s) from the firewall config (no daemon running)\n", r.Removed)
	}
	if r.Kernel > 0 {
		fmt.Fprintf(stdout, "removed %d door(s) from the kernel fast path\n", r.Kernel)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "firewall reloaded (%s)\n", r.Firewall)
	return nil
}

// cmdPurge removes expired doors: run at boot before the firewall starts,
// so a reboot never brings back a door whose time has passed.
func cmdPurge(args []string, stdout io.Writer) error {
	fs, p := commandFlags("purge")
	// -q: the init script logs what purge prints at every boot, where
	// "purged 0" is noise.
	quiet := fs.Bool("q", false, "print nothing when no door was purged")
	if err := fs.Parse(args); err != nil {
		return err
	}
	r, err := daemon.Purge(*p, time.Now())
	if err != nil {
		return err
	}
	if r.Untrusted > 0 {
		fmt.Fprintf(stdout, "purged %d expired door(s) and %d timed door(s) from before this boot (%s)\n", r.Expired, r.Untrusted, r.Why)
		return nil
	}
	if r.Expired > 0 || !*quiet {
		fmt.Fprintf(stdout, "purged %d expired door(s)\n", r.Expired)
	}
	return nil
}

// cmdImport converts a knockd.conf. Default output: `uci batch` text on
// stdout, ending in `commit knock` (review it, then
// `uciknockd import FILE | uci batch`). With
// --write the result replaces --config, but only if it validates and the
// target does not exist yet (never clobber a hand-written config).
func cmdImport(args []string, stdout, stderr io.Writer) error {
	fs, p := commandFlags("import")
	write := fs.Bool("write", false, "write the converted config to --config instead of printing uci batch text")
	force := fs.Bool("force", false, "with --write: replace an existing --config")
	// Flags may follow the file name (uciknockd import FILE --write).
	file, err := oneOperand(fs, args, "import takes one knockd.conf FILE")
	if err != nil {
		return err
	}
	if !*write {
		batch, warnings, err := daemon.ImportBatch(*p, file)
		printWarnings(stderr, warnings)
		if err != nil {
			return err
		}
		_, err = io.WriteString(stdout, batch)
		return err
	}
	n, warnings, err := daemon.ImportWrite(*p, file, *force)
	printWarnings(stderr, warnings)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes); check it with `uciknockd check`\n", p.Config, n)
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
