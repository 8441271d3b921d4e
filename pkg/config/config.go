package config

import (
	"net/netip"
	"time"

	"github.com/uciknock/uciknock/pkg/knock"
	"github.com/uciknock/uciknock/pkg/totp"
)

// Defaults. They are documented in docs/configuration.md; keep both in step.
const (
	DefaultInterface    = "wan"
	DefaultLogLevel     = "info"
	DefaultCapacity     = 4096
	DefaultBatchWindow  = 100 * time.Millisecond
	DefaultSrcZone      = "wan"
	DefaultDestZone     = "lan"
	DefaultStateDir     = "/etc/knock"
	DefaultCommandLimit = 30 * time.Second
	DefaultSeqTimeout   = 25 * time.Second // knockd's default
	DefaultDoorTimeout  = time.Hour
	DefaultCmdTimeout   = 10 * time.Second   // knockd's default
	DefaultTOTPLength   = totp.DefaultLength // TOTP defaults and limits live in pkg/totp
	DefaultTOTPStep     = totp.DefaultPeriod
	DefaultTOTPPortMin  = totp.DefaultPortMin
	DefaultTOTPPortMax  = totp.DefaultPortMax

	// MaxTimeout bounds a door's timeout and a cmd_timeout (30 days);
	// MinCmdTimeout is the shortest cmd_timeout.
	MaxTimeout    = 30 * 24 * time.Hour
	MinCmdTimeout = time.Second

	// MaxCapacity bounds the global capacity option.
	MaxCapacity = 65536
)

// Config is the validated content of /etc/config/knock. Every field holds a
// checked value with its default applied; nothing downstream re-checks.
type Config struct {
	Global Global
	// Sequences are the enabled `sequence` sections in file order.
	// Disabled sections are left out (and only their `enabled` option is
	// checked), so disabling a section is how a user parks a broken one.
	Sequences []Sequence
	// source is the package Parse read, as `uci commit` writes it, after
	// its name: what Same compares.
	source []byte
}

// Same reports whether c and o were parsed from the same configuration:
// the same package name, sections, options and values in the same order
// (comments and layout aside), and so are equal in every field. A
// reload keeps its engine when they are (cheaper in the router binary
// than reflect.DeepEqual: docs/benchmarks.md, binary sizes). False when
// either was not made by Parse.
func (c *Config) Same(o *Config) bool {
	return c != nil && o != nil && c.source != nil && string(c.source) == string(o.source)
}

// Global is the `config knockd` section (named `main` in the shipped
// file; an anonymous one is accepted too). Missing: all defaults.
type Global struct {
	// Path is the section's UCI path (`knock.main` or `knock.@knockd[0]`).
	Path string
	// Enabled false means the daemon should do nothing (the shipped sample
	// is disabled until the user configures it).
	Enabled bool
	// Interfaces to capture on, in order, without duplicates.
	Interfaces []Interface
	// LogLevel is one of "debug", "info", "warn", "error".
	LogLevel string
	// Capacity is the number of sources the knock engine tracks at once.
	Capacity int
	// BatchWindow is how long door changes are collected into one firewall
	// write and reload. 0 writes each change at once.
	BatchWindow time.Duration
	// ReloadCommand, if not empty, replaces fw4/fw3 detection: the command
	// line run to reload the firewall. Reload is it split into arguments
	// by command.Split (no shell), ready for fwreload.Config.Reload.
	ReloadCommand string
	Reload        []string
	// SrcZone is the default `src` zone for doors ("wan").
	SrcZone string
	// DestZone is the default `dest` zone for forwards ("lan").
	DestZone string
	// StateDir is an absolute directory for state that must survive
	// reboots (consumed one-time sequences).
	StateDir string
	// CommandLimit is the longest a start or stop command may run before
	// it is killed.
	CommandLimit time.Duration
}

// Interface is one `interface` entry as written by the user.
type Interface struct {
	Name string
	// MaybeNetwork is true when Name is a valid UCI section name, so it
	// can be a logical network (`wan`) that the daemon resolves to its
	// current layer-3 device (e.g. `pppoe-wan`); when no such network
	// exists the name is used as a device. False means the name can only
	// be a device (`eth0.2`, `pppoe-wan`, `br-lan`).
	MaybeNetwork bool
}

// Action is what a completed sequence does.
type Action int

// The actions. The zero value is not valid.
const (
	ActionOpen Action = iota + 1
	ActionClose
	ActionForward
	ActionUnforward
	ActionCommand
)

var actionNames = [...]string{ActionOpen: "open", ActionClose: "close", ActionForward: "forward", ActionUnforward: "unforward", ActionCommand: "command"}

func (a Action) String() string {
	if a <= 0 || int(a) >= len(actionNames) {
		return "invalid"
	}
	return actionNames[a]
}

// Proto is the firewall `proto` of a door: "tcp", "udp" or "tcp udp".
type Proto string

// The door protocols the firewall accepts with a port (never "all": fw4
// drops ports for other protocols and would open everything).
const (
	ProtoTCP    Proto = "tcp"
	ProtoUDP    Proto = "udp"
	ProtoTCPUDP Proto = "tcp udp"
)

// Sequence is one enabled `sequence` section.
type Sequence struct {
	// Path is the section's UCI path, for log lines and errors.
	Path string
	// Name is the door prefix (rule names are Name_IP_port) and the name in
	// log lines. Valid for a prefix: [A-Za-z0-9_-], 1..door.MaxPrefixLen bytes.
	Name string

	// Exactly one of Steps, OneTime/OneTimeFile, TOTP defines the knocks.
	Steps []knock.Step
	// OneTime are inline one-time sequences, used in order, each once.
	OneTime [][]knock.Step
	// OneTimeFile is the absolute path of a knockd-style one-time
	// sequences file (one sequence per line).
	OneTimeFile string
	// TOTP has every field set (no zero defaults left).
	TOTP *knock.TOTP

	// Flags filter TCP knocks (knockd's tcpflags); zero = any segment.
	Flags knock.FlagRule
	// Target, when valid, accepts only knocks sent to this local address
	// (knockd's Target); the zero Addr accepts any.
	Target netip.Addr
	// SeqTimeout is the time allowed from the first knock to the last.
	SeqTimeout time.Duration

	Action Action

	// Door fields. Open: Proto, Port (dest_port), SrcZone, Timeout.
	// Close: Port (dest_port). Forward: Proto, Port (src_dport), SrcZone,
	// DestZone, DestIP, DestPort, Timeout. Unforward: Port (src_dport).
	Proto    Proto
	Port     uint16
	SrcZone  string
	DestZone string
	DestIP   netip.Addr
	DestPort uint16
	// Timeout closes the door by itself; 0 = never.
	Timeout time.Duration
	// KillSessions cuts the conntrack entries the door let in when it
	// closes (by timeout, close sequence or `uciknockd close`).
	KillSessions bool

	// Command action: knockd's start/stop commands; StopCommand runs
	// CmdTimeout after StartCommand finished. The _6 variants are used
	// for IPv6 sources (already defaulted to the IPv4 ones).
	StartCommand  string
	StopCommand   string
	StartCommand6 string
	StopCommand6  string
	// The same commands split into arguments by command.Split, with %IP%
	// still in them (command.Expand replaces it per knock). Nil when the
	// command is not set.
	Start, Stop, Start6, Stop6 []string
	CmdTimeout                 time.Duration
}

// Knock returns the engine's view of the sequence. The caller sets
// Consumed (required with OneTime, and for OneTimeFile after loading the
// file into OneTime).
func (s *Sequence) Knock() knock.Sequence {
	return knock.Sequence{
		Name:    s.Name,
		Steps:   s.Steps,
		Flags:   s.Flags,
		Timeout: s.SeqTimeout,
		OneTime: s.OneTime,
		TOTP:    s.TOTP,
		Target:  s.Target,
	}
}
