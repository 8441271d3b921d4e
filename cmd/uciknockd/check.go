package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/uci"
)

// loadConfig reads and validates a knock configuration file. Syntax errors
// carry file:line:col; validation errors list every problem with its UCI
// path.
func loadConfig(path string) (*config.Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pkg, err := uci.ParseFile(path, "knock", data)
	if err != nil {
		return nil, err
	}
	cfg, err := config.Parse(pkg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

func cmdCheck(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		return err
	}
	path := "/etc/config/knock"
	switch fs.NArg() {
	case 0:
	case 1:
		path = fs.Arg(0)
	default:
		return fmt.Errorf("%w: check takes at most one FILE", errUsage)
	}
	cfg, err := loadConfig(path)
	if err != nil {
		return err
	}
	// What run would refuse, check refuses too: one-time files must be
	// readable and hold a sequence.
	for i := range cfg.Sequences {
		s := &cfg.Sequences[i]
		if s.OneTimeFile == "" {
			continue
		}
		if _, err := readOneTimeFile(s.OneTimeFile, func(w string) { fmt.Fprintf(stdout, "warning: %s\n", w) }); err != nil {
			return fmt.Errorf("%s.one_time_file: %w", s.Path, err)
		}
	}
	// run only warns (refusing to start would lock everyone out), but a
	// reboot would make used one-time sequences work again.
	if err := checkStateDir(cfg, cfg.Global.StateDir); err != nil {
		return err
	}
	state := "enabled"
	if !cfg.Global.Enabled {
		state = "disabled (knock.main.enabled is 0)"
	}
	fmt.Fprintf(stdout, "%s: ok, %d sequence(s), daemon %s\n", path, len(cfg.Sequences), state)
	for _, s := range cfg.Sequences {
		fmt.Fprintf(stdout, "  %-24s %-9s %s\n", s.Name, s.Action, describeKnocks(&s))
	}
	return nil
}
