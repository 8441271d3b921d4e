package client

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uciknock/uciknock/pkg/totp"
)

// Usage is the help text printed by `uciknock --help`.
const Usage = `usage: uciknock [options] host port[:proto] ...
       uciknock [options] --totp SECRET host
       uciknock [options] DOOR

Send a port-knock sequence: one TCP SYN (a non-blocking connect) or one
1-byte UDP datagram per port, in order. Compatible with knockd's knock.

options:
  -u, --udp            send every knock as UDP (overrides :tcp)
  -d, --delay MS       wait MS milliseconds between knocks (default 0)
  -w, --wait MS        wait MS milliseconds after the last knock, so the door
                       is open when uciknock returns (default 20; 0: none)
  -4, --ipv4           resolve host to an IPv4 address only
  -6, --ipv6           resolve host to an IPv6 address only
  -v, --verbose        print each knock as it is sent
  -V, --version        print the version and exit
  -h, --help           print this help and exit
      --totp SECRET    knock the current TOTP sequence of base32 SECRET
      --new-secret     print a new random TOTP secret (base32) and exit
  -n, --length N       TOTP: number of knocks (default 3)
      --step SECONDS   TOTP: time step (default 30)
      --min PORT       TOTP: lowest port (default 10000)
      --max PORT       TOTP: highest port (default 59999)
  -c, --config FILE    client config with door lines (default
                       ~/.config/uciknock.conf, then /etc/uciknock.conf)

A port is 1-65535, optionally followed by :tcp or :udp (default tcp).
DOOR is the name of a 'door' line in the client config; -u, -d, -4 and -6
override what the line says. See docs/client.md.
`

// UsageError is a mistake on the command line. The command prints it with
// a hint to --help and exits 1, as knock does.
type UsageError struct {
	Msg string
}

func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, a ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, a...)}
}

// Args is a parsed command line.
type Args struct {
	// Door holds what the command line says about the door: host and hits
	// or TOTP, delay, family, UDP. With DoorName set, Host and Hits are empty
	// and the other fields override the config's door (see Apply).
	Door Door
	// DoorName is set when the only operand names a door of the config.
	DoorName string
	// ConfigPath is the -c/--config file; empty means the default search.
	ConfigPath string
	Verbose    bool
	Help       bool
	Version    bool
	// NewSecret asks for a fresh random TOTP secret to be printed.
	NewSecret bool

	delaySet, waitSet, familySet bool
}

// Apply returns d with the command line's -u, -d, -4/-6 applied: flags
// given on the command line win over the config's `door` line.
func (a *Args) Apply(d Door) Door {
	if a.Door.UDP {
		d.UDP = true
	}
	if a.delaySet {
		d.Delay = a.Door.Delay
	}
	if a.waitSet {
		d.Wait = a.Door.Wait
	}
	if a.familySet {
		d.Family = a.Door.Family
	}
	return d
}

// option is one command-line option; value is nil for a flag.
type option struct {
	short byte
	long  string
	flag  func(a *Args) error
	value func(a *Args, t *totpFlags, v string) error
}

// totpFlags collects the TOTP options until the operands are known.
type totpFlags struct {
	secret string
	// vals holds --length, --step, --min and --max by their config key
	// for parseTOTPValues; an empty value counts as not given (default).
	vals             map[string]string
	secretSet, other bool
}

// set records --length, --step, --min or --max (key without the dashes);
// the last one given wins.
func (tf *totpFlags) set(key, v string) error {
	tf.other = true
	if v == "" {
		delete(tf.vals, key)
		return nil
	}
	if tf.vals == nil {
		tf.vals = map[string]string{}
	}
	tf.vals[key] = v
	return nil
}

var options = []option{
	{short: 'u', long: "udp", flag: func(a *Args) error { a.Door.UDP = true; return nil }},
	{short: '4', long: "ipv4", flag: func(a *Args) error { return a.setFamily(IPv4) }},
	{short: '6', long: "ipv6", flag: func(a *Args) error { return a.setFamily(IPv6) }},
	{short: 'v', long: "verbose", flag: func(a *Args) error { a.Verbose = true; return nil }},
	{short: 'V', long: "version", flag: func(a *Args) error { a.Version = true; return nil }},
	{short: 'h', long: "help", flag: func(a *Args) error { a.Help = true; return nil }},
	{long: "new-secret", flag: func(a *Args) error { a.NewSecret = true; return nil }},
	{short: 'd', long: "delay", value: func(a *Args, _ *totpFlags, v string) error { return a.setDelay(v) }},
	{short: 'w', long: "wait", value: func(a *Args, _ *totpFlags, v string) error { return a.setWait(v) }},
	{short: 'c', long: "config", value: func(a *Args, _ *totpFlags, v string) error {
		if v == "" {
			return usagef("--config: empty file name")
		}
		a.ConfigPath = v
		return nil
	}},
	{long: "totp", value: func(_ *Args, t *totpFlags, v string) error { t.secret, t.secretSet = v, true; return nil }},
	{short: 'n', long: "length", value: func(_ *Args, t *totpFlags, v string) error { return t.set("length", v) }},
	{long: "step", value: func(_ *Args, t *totpFlags, v string) error { return t.set("step", v) }},
	{long: "min", value: func(_ *Args, t *totpFlags, v string) error { return t.set("min", v) }},
	{long: "max", value: func(_ *Args, t *totpFlags, v string) error { return t.set("max", v) }},
}

func (a *Args) setFamily(f Family) error {
	if a.familySet && a.Door.Family != f {
		return usagef("-4 and -6 exclude each other")
	}
	a.Door.Family, a.familySet = f, true
	return nil
}

func (a *Args) setDelay(v string) error {
	return setMillis(&a.Door.Delay, &a.delaySet, "--delay", parseDelay, v)
}

func (a *Args) setWait(v string) error {
	return setMillis(&a.Door.Wait, &a.waitSet, "--wait", parseWait, v)
}

// setMillis sets a pause option from the command line and records that the
// command line gave it (Apply lets it win over the config).
func setMillis(dst *time.Duration, set *bool, flag string, parse func(string) (time.Duration, error), v string) error {
	d, err := parse(v)
	if err != nil {
		return usagef("%s: %v", flag, err)
	}
	*dst, *set = d, true
	return nil
}

// parseWait parses the pause after the last knock, whole milliseconds
// like the delay; 0 (no pause) becomes Door.Wait's negative value.
func parseWait(v string) (time.Duration, error) {
	d, err := parseMillis("wait", v)
	if err != nil {
		return 0, err
	}
	if d == 0 {
		return -1, nil
	}
	return d, nil
}

// parseDelay parses knock's delay: whole milliseconds, 0 or more.
func parseDelay(v string) (time.Duration, error) {
	return parseMillis("delay", v)
}

// parseMillis parses a pause of whole milliseconds, 0 to MaxDelay; what
// ("delay", "wait") names it in the error.
func parseMillis(what, v string) (time.Duration, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s %q is not a whole number of milliseconds", what, v)
	}
	if n < 0 {
		return 0, fmt.Errorf("%s cannot be negative", what)
	}
	if n > MaxDelay.Milliseconds() {
		return 0, fmt.Errorf("%s %d ms is more than %d ms", what, n, MaxDelay.Milliseconds())
	}
	return time.Duration(n) * time.Millisecond, nil
}

// ParseArgs parses uciknock's command line (without the program name) the
// way knock's getopt_long does: short flags combine (`-uv`), values attach
// or follow (`-d100`, `-d 100`, `--delay=100`, `--delay 100`), options and
// operands mix, and `--` ends the options. Every mistake is a *UsageError.
func ParseArgs(argv []string) (*Args, error) {
	a := &Args{}
	var tf totpFlags
	var operands []string
	for i := 0; i < len(argv); i++ {
		arg := argv[i]
		switch {
		case arg == "--":
			operands = append(operands, argv[i+1:]...)
			i = len(argv)
		case strings.HasPrefix(arg, "--"):
			n, err := a.parseLong(&tf, argv, i)
			if err != nil {
				return nil, err
			}
			i += n
		case len(arg) > 1 && arg[0] == '-':
			n, err := a.parseShort(&tf, argv, i)
			if err != nil {
				return nil, err
			}
			i += n
		default:
			operands = append(operands, arg)
		}
	}
	if a.Help || a.Version || a.NewSecret {
		return a, nil
	}
	if err := a.operands(&tf, operands); err != nil {
		return nil, err
	}
	return a, nil
}

// parseLong handles argv[i], a `--name[=value]` option, and returns how
// many extra arguments it consumed.
func (a *Args) parseLong(tf *totpFlags, argv []string, i int) (int, error) {
	name, val, hasVal := strings.Cut(argv[i][2:], "=")
	o := lookupLong(name)
	if o == nil {
		return 0, usagef("unknown option --%s", name)
	}
	if o.value == nil {
		if hasVal {
			return 0, usagef("option --%s takes no value", name)
		}
		return 0, o.flag(a)
	}
	if hasVal {
		return 0, o.value(a, tf, val)
	}
	if i+1 >= len(argv) {
		return 0, usagef("option --%s needs a value", name)
	}
	return 1, o.value(a, tf, argv[i+1])
}

// parseShort handles argv[i], a cluster of short options (`-uv`, `-d100`).
func (a *Args) parseShort(tf *totpFlags, argv []string, i int) (int, error) {
	arg := argv[i]
	for j := 1; j < len(arg); j++ {
		o := lookupShort(arg[j])
		if o == nil {
			return 0, usagef("unknown option -%c", arg[j])
		}
		if o.value == nil {
			if err := o.flag(a); err != nil {
				return 0, err
			}
			continue
		}
		if j+1 < len(arg) {
			return 0, o.value(a, tf, arg[j+1:])
		}
		if i+1 >= len(argv) {
			return 0, usagef("option -%c needs a value", arg[j])
		}
		return 1, o.value(a, tf, argv[i+1])
	}
	return 0, nil
}

func lookupLong(name string) *option {
	for i := range options {
		if options[i].long == name {
			return &options[i]
		}
	}
	return nil
}

func lookupShort(c byte) *option {
	for i := range options {
		if options[i].short != 0 && options[i].short == c {
			return &options[i]
		}
	}
	return nil
}

// operands turns the operands into a door or a door name.
func (a *Args) operands(tf *totpFlags, ops []string) error {
	if tf.other && !tf.secretSet {
		return usagef("--length, --step, --min and --max need --totp")
	}
	if tf.secretSet {
		t, err := tf.build()
		if err != nil {
			return err
		}
		a.Door.TOTP = t
		switch len(ops) {
		case 0:
			return usagef("missing host")
		case 1:
		default:
			return usagef("--totp computes the ports: give only the host, not %q", ops[1])
		}
		a.Door.Host = ops[0]
		if err := a.Door.check(); err != nil {
			return usagef("%v", err)
		}
		return nil
	}
	switch len(ops) {
	case 0:
		return usagef("missing host and ports")
	case 1:
		if !validDoorName(ops[0]) {
			return usagef("missing ports after host %q", ops[0])
		}
		a.DoorName = ops[0]
		return nil
	}
	a.Door.Host = ops[0]
	if strings.HasPrefix(ops[0], "-") {
		return usagef("host %q starts with '-'", ops[0])
	}
	for _, s := range ops[1:] {
		h, err := ParseHit(s)
		if err != nil {
			return usagef("%v", err)
		}
		a.Door.Hits = append(a.Door.Hits, h)
	}
	if err := a.Door.check(); err != nil {
		return usagef("%v", err)
	}
	return nil
}

// build checks the TOTP flags and applies the daemon's defaults.
func (tf *totpFlags) build() (*TOTP, error) {
	secret, err := totp.DecodeSecret(tf.secret)
	if err != nil {
		return nil, usagef("--totp: %v", err)
	}
	t := defaultTOTP(secret)
	if err := parseTOTPValues(t, tf.vals, "--"); err != nil {
		return nil, usagef("%v", err)
	}
	if err := checkTOTP(t); err != nil {
		return nil, usagef("%v", err)
	}
	return t, nil
}

// parseStep takes whole seconds ("30") or a Go duration ("30s", "1m").
func parseStep(s string) (time.Duration, error) {
	// 32 bits of seconds cannot overflow a Duration; the range is
	// TOTP.check's (totp.CheckPeriod, the daemon's limits).
	if n, err := strconv.ParseInt(s, 10, 32); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("step %q is neither seconds nor a duration like 30s", s)
	}
	return d, nil
}

// validDoorName reports whether s can name a door: letters, digits, '_',
// '-' and '.', not starting with '-'. Host names fit this too; a lone
// operand is taken as a door name, since knocking needs at least one port.
func validDoorName(s string) bool {
	if s == "" || s[0] == '-' || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
