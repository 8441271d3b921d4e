package client

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/uciknock/uciknock/pkg/knock"
	"github.com/uciknock/uciknock/pkg/totp"
)

// Config is a parsed client config: the doors a user can knock by name.
//
// The file has one door per line, keyword-value pairs after the name:
//
//	# comment; a word starting with # ends the line
//	door home   host router.example.org ports 7000,8000,9000:udp delay 100
//	door home6  host router.example.org ports 7000,8000,9000 family 6
//	door totp   host 203.0.113.7 totp JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP length 3 step 30
//
// Keywords: host (required), ports or totp (exactly one), delay MS,
// family 4|6, udp (every knock UDP), and with totp: length, step, min,
// max (defaults as the daemon's).
type Config struct {
	Doors []Door
}

// Door returns the door called name, or nil.
func (c *Config) Door(name string) *Door {
	for i := range c.Doors {
		if c.Doors[i].Name == name {
			return &c.Doors[i]
		}
	}
	return nil
}

// Names returns the door names in file order.
func (c *Config) Names() []string {
	names := make([]string, len(c.Doors))
	for i := range c.Doors {
		names[i] = c.Doors[i].Name
	}
	return names
}

// ConfigError is a mistake in a client config, at File:Line.
type ConfigError struct {
	File string
	Line int
	Msg  string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// MaxConfigSize bounds the file read: a client config is a few lines.
const MaxConfigSize = 1 << 20

// ParseConfig parses the client config data read from file (the name is
// used in errors only). It stops at the first mistake and returns a
// *ConfigError naming file and line.
func ParseConfig(file string, data []byte) (*Config, error) {
	if len(data) > MaxConfigSize {
		return nil, &ConfigError{File: file, Line: 1, Msg: fmt.Sprintf("file larger than %d bytes", MaxConfigSize)}
	}
	c := &Config{}
	seen := map[string]int{}
	for n, line := range strings.Split(string(data), "\n") {
		lineNo := n + 1
		words := fields(line)
		if len(words) == 0 {
			continue
		}
		fail := func(format string, a ...any) error {
			return &ConfigError{File: file, Line: lineNo, Msg: fmt.Sprintf(format, a...)}
		}
		if words[0] != "door" {
			return nil, fail("unknown keyword %q (want door)", words[0])
		}
		if len(words) < 2 {
			return nil, fail("door without a name")
		}
		name := words[1]
		if !validDoorName(name) {
			return nil, fail("bad door name %q (letters, digits, _ - . ; at most 64; not starting with -)", name)
		}
		if prev, dup := seen[name]; dup {
			return nil, fail("door %q already defined on line %d", name, prev)
		}
		seen[name] = lineNo
		d, err := parseDoor(words[2:])
		if err != nil {
			return nil, fail("door %s: %v", name, err)
		}
		d.Name = name
		c.Doors = append(c.Doors, d)
	}
	return c, nil
}

// fields splits a line into words and drops a trailing comment.
func fields(line string) []string {
	words := strings.Fields(line)
	for i, w := range words {
		if strings.HasPrefix(w, "#") {
			return words[:i]
		}
	}
	return words
}

// doorKeys are the keywords of a door line; flag keywords take no value.
var doorKeys = map[string]bool{
	"host": true, "ports": true, "delay": true, "wait": true, "family": true, "udp": false,
	"totp": true, "length": true, "step": true, "min": true, "max": true,
}

// parseDoor parses the keyword-value pairs after `door NAME`.
func parseDoor(words []string) (Door, error) {
	vals := map[string]string{}
	for i := 0; i < len(words); i++ {
		k := words[i]
		takesValue, known := doorKeys[k]
		if !known {
			return Door{}, fmt.Errorf("unknown keyword %q", k)
		}
		if _, dup := vals[k]; dup {
			return Door{}, fmt.Errorf("%s given twice", k)
		}
		if !takesValue {
			vals[k] = ""
			continue
		}
		if i+1 >= len(words) {
			return Door{}, fmt.Errorf("%s needs a value", k)
		}
		i++
		vals[k] = words[i]
	}
	d := Door{Host: vals["host"]}
	if _, ok := vals["host"]; !ok {
		return Door{}, fmt.Errorf("no host")
	}
	_, d.UDP = vals["udp"]
	if err := parseDoorValues(&d, vals); err != nil {
		return Door{}, err
	}
	if err := d.check(); err != nil {
		return Door{}, err
	}
	return d, nil
}

func parseDoorValues(d *Door, vals map[string]string) error {
	var err error
	if v, ok := vals["ports"]; ok {
		if d.Hits, err = ParseHits(v); err != nil {
			return err
		}
	}
	if v, ok := vals["delay"]; ok {
		if d.Delay, err = parseDelay(v); err != nil {
			return err
		}
	}
	if v, ok := vals["wait"]; ok {
		if d.Wait, err = parseWait(v); err != nil {
			return err
		}
	}
	if v, ok := vals["family"]; ok {
		switch v {
		case "4", "ipv4":
			d.Family = IPv4
		case "6", "ipv6":
			d.Family = IPv6
		default:
			return fmt.Errorf("family %q (want 4 or 6)", v)
		}
	}
	v, ok := vals["totp"]
	if !ok {
		for _, k := range []string{"length", "step", "min", "max"} {
			if _, set := vals[k]; set {
				return fmt.Errorf("%s needs totp", k)
			}
		}
		return nil
	}
	secret, err := totp.DecodeSecret(v)
	if err != nil {
		return fmt.Errorf("totp: %w", err)
	}
	d.TOTP = defaultTOTP(secret)
	return parseTOTPValues(d.TOTP, vals, "")
}

// parseTOTPValues reads a door's TOTP settings, the same for the config's
// keys (prefix "") and the command line's flags (prefix "--"); the limits
// are checked later, by TOTP.check.
func parseTOTPValues(t *TOTP, vals map[string]string, prefix string) error {
	var err error
	if v, ok := vals["length"]; ok {
		if t.Length, err = strconv.Atoi(v); err != nil {
			return fmt.Errorf("%slength %q is not a number", prefix, v)
		}
	}
	if v, ok := vals["step"]; ok {
		if t.Period, err = parseStep(v); err != nil {
			return fmt.Errorf("%sstep: %w", prefix, err)
		}
	}
	for _, p := range []struct {
		key string
		dst *uint16
	}{{"min", &t.Min}, {"max", &t.Max}} {
		if v, ok := vals[p.key]; ok {
			if *p.dst, err = knock.ParsePort(v); err != nil {
				return fmt.Errorf("%s%s: %w", prefix, p.key, err)
			}
		}
	}
	return nil
}

// ConfigPaths returns where a client config is looked for, in order:
// $XDG_CONFIG_HOME/uciknock.conf (XDG_CONFIG_HOME defaults to
// $HOME/.config), then /etc/uciknock.conf.
func ConfigPaths(getenv func(string) string) []string {
	var paths []string
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" && getenv("HOME") != "" {
		dir = filepath.Join(getenv("HOME"), ".config")
	}
	if dir != "" {
		paths = append(paths, filepath.Join(dir, "uciknock.conf"))
	}
	return append(paths, "/etc/uciknock.conf")
}

// LoadConfig reads and parses the config at path, or, with path empty,
// the first of ConfigPaths that exists.
func LoadConfig(path string, getenv func(string) string, readFile func(string) ([]byte, error)) (*Config, string, error) {
	paths := []string{path}
	if path == "" {
		paths = ConfigPaths(getenv)
	}
	for _, p := range paths {
		data, err := readFile(p)
		if errors.Is(err, fs.ErrNotExist) && path == "" {
			continue
		}
		if err != nil {
			return nil, p, fmt.Errorf("client config: %w", err)
		}
		c, err := ParseConfig(p, data)
		return c, p, err
	}
	return nil, "", fmt.Errorf("no client config found (looked for %s)", strings.Join(paths, ", "))
}
