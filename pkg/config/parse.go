package config

import (
	"fmt"
	"strconv"
	"time"

	"github.com/uciknock/uciknock/pkg/door"
	"github.com/uciknock/uciknock/uci"
)

// Section types of /etc/config/knock.
const (
	TypeGlobal   = "knockd"
	TypeSequence = "sequence"
)

// Parse validates a parsed /etc/config/knock and applies defaults. On any
// problem it returns a nil Config and an *Errors listing every problem with
// its UCI path.
func Parse(p *uci.Package) (*Config, error) {
	if p == nil {
		return nil, fmt.Errorf("config: no package")
	}
	errs := &Errors{}
	pkg := p.Name
	if pkg == "" {
		pkg = "knock"
	}
	cfg := &Config{Global: defaultGlobal(pkg + ".main")}
	counts := map[string]int{}
	var globals int
	var seqs []*parsedSequence
	for _, s := range p.Sections {
		idx := counts[s.Type]
		counts[s.Type]++
		path := pkg + "." + s.Name
		if s.Anonymous {
			path = fmt.Sprintf("%s.@%s[%d]", pkg, s.Type, idx)
		}
		switch s.Type {
		case TypeGlobal:
			globals++
			if globals > 1 {
				addf(errs, path, "a second %s section; only one is allowed", TypeGlobal)
				continue
			}
			cfg.Global = parseGlobal(&section{s: s, path: path, errs: errs})
		case TypeSequence:
			if seq := parseSequence(&section{s: s, path: path, errs: errs}, idx); seq != nil {
				seqs = append(seqs, seq)
			}
		default:
			addf(errs, path, "unknown section type %q (use %s or %s)", s.Type, TypeGlobal, TypeSequence)
		}
	}
	// The defaults of door zones come from the global section, which may
	// come after the sequences in the file.
	for _, s := range seqs {
		if s.SrcZone == "" && (s.Action == ActionOpen || s.Action == ActionForward) {
			s.SrcZone = cfg.Global.SrcZone
		}
		if s.DestZone == "" && s.Action == ActionForward {
			s.DestZone = cfg.Global.DestZone
		}
	}
	crossCheck(seqs, errs)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	for _, s := range seqs {
		cfg.Sequences = append(cfg.Sequences, s.Sequence)
	}
	cfg.source = append([]byte(pkg+"\n"), p.Commit()...)
	return cfg, nil
}

func defaultGlobal(path string) Global {
	return Global{
		Path:         path,
		Enabled:      true,
		Interfaces:   []Interface{{Name: DefaultInterface, MaybeNetwork: true}},
		LogLevel:     DefaultLogLevel,
		Capacity:     DefaultCapacity,
		BatchWindow:  DefaultBatchWindow,
		SrcZone:      DefaultSrcZone,
		DestZone:     DefaultDestZone,
		StateDir:     DefaultStateDir,
		CommandLimit: DefaultCommandLimit,
	}
}

var globalOptions = map[string]bool{
	"enabled": true, "interface": true, "log_level": true, "capacity": true,
	"batch_window": true, "reload_command": true, "src": true, "dest": true,
	"state_dir": true, "command_limit": true,
}

func parseGlobal(r *section) Global {
	r.allowed = globalOptions
	defer r.sortErrors(len(r.errs.List))
	g := defaultGlobal(r.path)
	g.Enabled = r.boolean("enabled", true)
	if names, ok := r.words("interface"); ok {
		g.Interfaces = parseInterfaces(r, names)
	}
	g.LogLevel = r.check("log_level", DefaultLogLevel, func(v string) error {
		switch v {
		case "debug", "info", "warn", "error":
			return nil
		}
		return fmt.Errorf("%q is not a log level (debug, info, warn, error)", v)
	})
	if v, ok := r.scalar("capacity"); ok {
		n, err := strconv.Atoi(v)
		// 65536 tracked sources take a few MB; the engine refuses tables
		// over 256 MB, which a larger capacity with many sequences hits.
		if err != nil || n < 16 || n > MaxCapacity {
			r.errorf("capacity", "%q is not a number of sources in 16..%d", v, MaxCapacity)
		} else {
			g.Capacity = n
		}
	}
	g.BatchWindow = r.duration("batch_window", time.Millisecond, DefaultBatchWindow, 0, 10*time.Second)
	g.ReloadCommand, g.Reload = r.command("reload_command", "", nil)
	g.SrcZone = r.check("src", DefaultSrcZone, door.CheckZone)
	g.DestZone = r.check("dest", DefaultDestZone, door.CheckZone)
	g.StateDir = r.check("state_dir", DefaultStateDir, validAbsPath)
	g.CommandLimit = r.duration("command_limit", time.Second, DefaultCommandLimit, time.Second, time.Hour)
	r.checkUnknown()
	return g
}

func parseInterfaces(r *section, names []string) []Interface {
	var out []Interface
	seen := map[string]bool{}
	for _, n := range names {
		if err := validDevice(n); err != nil {
			r.errorf("interface", "%v", err)
			continue
		}
		if seen[n] {
			r.errorf("interface", "%q is listed twice", n)
			continue
		}
		seen[n] = true
		out = append(out, Interface{Name: n, MaybeNetwork: uci.ValidName(n)}) // a UCI section name can be a network
	}
	if len(out) == 0 {
		return defaultGlobal("").Interfaces
	}
	return out
}

// duration reads a duration option (bare numbers in unit) within lo..hi.
func (r *section) duration(name string, unit, def, lo, hi time.Duration) time.Duration {
	v, ok := r.scalar(name)
	if !ok {
		return def
	}
	d, err := durationIn(v, unit, lo, hi)
	if err != nil {
		r.errorf(name, "%v", err)
		return def
	}
	return d
}
