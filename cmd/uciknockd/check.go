package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

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
	asJSON := fs.Bool("json", false, "print the result as JSON, every error with its UCI path (for LuCI)")
	operands, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	path := "/etc/config/knock"
	switch len(operands) {
	case 0:
	case 1:
		path = operands[0]
	default:
		return fmt.Errorf("%w: check takes at most one FILE", errUsage)
	}
	var warnings []string
	cfg, err := checkConfig(path, func(w string) { warnings = append(warnings, w) })
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
		fmt.Fprintf(stdout, "  %-24s %-9s %s\n", s.Name, s.Action, describeKnocks(&s))
	}
	return nil
}

// checkConfig is what check verifies: the configuration; as run would
// refuse them, one-time files that are unreadable or hold no sequence;
// and a state_dir a reboot empties (run only warns: refusing to start
// would lock everyone out, but a reboot would make used one-time
// sequences work again).
func checkConfig(path string, warn func(string)) (*config.Config, error) {
	cfg, err := loadConfig(path)
	if err != nil {
		return nil, err
	}
	var errs config.Errors
	for i := range cfg.Sequences {
		s := &cfg.Sequences[i]
		if s.OneTimeFile == "" {
			continue
		}
		if _, err := readOneTimeFile(s.OneTimeFile, warn); err != nil {
			errs.List = append(errs.List, &config.FieldError{Path: s.Path + ".one_time_file", Msg: err.Error()})
		}
	}
	if err := checkStateDir(cfg, cfg.Global.StateDir); err != nil {
		at := cfg.Global.Path + ".state_dir"
		errs.List = append(errs.List, &config.FieldError{Path: at, Msg: strings.TrimPrefix(err.Error(), at+": ")})
	}
	if len(errs.List) > 0 {
		return nil, &errs
	}
	return cfg, nil
}
