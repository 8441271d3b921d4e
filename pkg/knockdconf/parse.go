package knockdconf

import (
	"bytes"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/pkg/knock"
)

// maxLine is knockd's line buffer (4095 bytes plus NUL). knockd splits a
// longer line and parses the rest as a new line; we refuse it instead.
const maxLine = 4095

// Error is one problem at a line of a knockd.conf file.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// Errors is every problem Parse (or Convert) found, in line order: the
// config package's one error-list type, with problems at file:line.
type Errors = config.ErrorList[*Error]

// Warning is something the file does that uciknockd does differently or
// not at all; Line 0 means the file as a whole.
type Warning struct {
	Line int
	Msg  string
}

// Setting is one directive's value and the line it came from (0: unset).
type Setting struct {
	Value string
	Line  int
}

// Set reports whether the directive appeared.
func (s Setting) Set() bool { return s.Line > 0 }

// File is a parsed knockd.conf.
type File struct {
	Name string
	// Global directives of [options].
	UseSyslog Setting
	LogFile   Setting
	PidFile   Setting
	Interface Setting
	// Doors in file order; knockd allows duplicate names.
	Doors []*Door
	// Warnings found while parsing (repeated directives).
	Warnings []Warning
}

// Door is one knockd door section.
type Door struct {
	Name string
	Line int // of the [name] header

	Sequence   []knock.Step
	SeqLine    int
	OneTime    Setting // One_Time_Sequences: a file path
	SeqTimeout time.Duration
	SeqTOLine  int
	TCPFlags   knock.FlagRule
	FlagsLine  int
	Target     netip.Addr
	TargetLine int

	StartCommand  Setting // Start_Command / Command
	StartCommand6 Setting // Start_Command_6 / Command_6
	StopCommand   Setting
	StopCommand6  Setting
	CmdTimeout    time.Duration
	CmdTOLine     int
}

// knockd's defaults.
const (
	defaultSeqTimeout = 25 * time.Second
	defaultCmdTimeout = 10 * time.Second
)

// Parse reads a knockd.conf with knockd 0.8's grammar: case-insensitive
// keys split at the first '=', whole-line '#' comments, a lower-case
// [options] section and door sections. Where knockd silently misreads
// (port 0 from garbage, "5s" read as 5) Parse reports an error; where
// knockd is fatal, so is Parse. All errors are reported at once.
func Parse(name string, data []byte) (*File, error) {
	p := &parser{f: &File{Name: name}, errs: &Errors{}, seen: map[string]int{}, bad: map[*Door]bool{}}
	for i, raw := range bytes.Split(data, []byte("\n")) {
		p.line(i+1, raw)
	}
	for _, d := range p.f.Doors {
		if len(d.Sequence) == 0 && !d.OneTime.Set() && !p.bad[d] {
			p.errorf(d.Line, "section [%s] has an empty knock sequence", d.Name)
		}
	}
	if len(p.errs.List) > 0 {
		return nil, p.errs
	}
	return p.f, nil
}

type parser struct {
	f      *File
	errs   *Errors
	global bool  // inside [options]
	door   *Door // inside a door, or nil
	// skip ignores the directives under a section header that was already
	// reported as wrong, so one mistake gives one error.
	skip bool
	seen map[string]int
	// bad marks doors whose sequence failed to parse, so they are not
	// also reported as empty.
	bad map[*Door]bool
}

func (p *parser) errorf(line int, format string, args ...any) {
	p.errs.List = append(p.errs.List, &Error{File: p.f.Name, Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) line(n int, raw []byte) {
	if len(raw) > maxLine {
		p.errorf(n, "line longer than %d bytes (knockd would split it)", maxLine)
		return
	}
	s := strings.TrimSpace(string(raw))
	if s == "" || s[0] == '#' {
		return
	}
	if s[0] == '[' && s[len(s)-1] == ']' && len(s) >= 2 {
		p.section(n, s[1:len(s)-1])
		return
	}
	if p.skip {
		return
	}
	key, value, hasEq := strings.Cut(s, "=")
	key = strings.ToUpper(strings.TrimSpace(key))
	value = strings.TrimSpace(value)
	if !p.global && p.door == nil {
		p.errorf(n, "all directives must belong to a section")
		return
	}
	if !hasEq {
		if key == "USESYSLOG" {
			p.f.UseSyslog = Setting{Value: "", Line: n}
			return
		}
		p.errorf(n, "syntax error: %q is not a directive (key = value)", s)
		return
	}
	if p.seen[key] > 0 {
		p.f.Warnings = append(p.f.Warnings, Warning{n, fmt.Sprintf("%s repeated (line %d); the last value wins, as in knockd", key, p.seen[key])})
	}
	p.seen[key] = n
	if p.global {
		p.option(n, key, value)
	} else {
		p.doorKey(n, key, value)
	}
}

func (p *parser) section(n int, name string) {
	p.seen = map[string]int{}
	p.global, p.door, p.skip = false, nil, false
	switch {
	case name == "":
		p.errorf(n, "bad section name")
		p.skip = true
		return
	case name == "options":
		p.global = true
		return
	case strings.EqualFold(name, "options"):
		p.errorf(n, "[%s] is a door in knockd, which only takes a lower-case [options] as the global section", name)
		p.skip = true
		return
	}
	if len(name) > 127 {
		name = name[:127] // knockd cuts door names to 127 bytes
	}
	p.door = &Door{Name: name, Line: n, SeqTimeout: defaultSeqTimeout, CmdTimeout: defaultCmdTimeout}
	p.f.Doors = append(p.f.Doors, p.door)
}

func (p *parser) option(n int, key, value string) {
	switch key {
	case "USESYSLOG":
		p.errorf(n, "syntax error: UseSyslog takes no value")
	case "LOGFILE":
		p.f.LogFile = Setting{value, n}
	case "PIDFILE":
		p.f.PidFile = Setting{value, n}
	case "INTERFACE":
		p.f.Interface = Setting{value, n}
	default:
		if doorKeys[key] {
			p.errorf(n, "syntax error: %s belongs in a door section, not in [options]", key)
			return
		}
		p.errorf(n, "syntax error: unknown directive %s", key)
	}
}

var doorKeys = map[string]bool{
	"SEQUENCE": true, "ONE_TIME_SEQUENCES": true, "SEQ_TIMEOUT": true, "TIMEOUT": true,
	"TCPFLAGS": true, "START_COMMAND": true, "COMMAND": true, "START_COMMAND_6": true,
	"COMMAND_6": true, "CMD_TIMEOUT": true, "STOP_COMMAND": true, "STOP_COMMAND_6": true,
	"TARGET": true,
}

func (p *parser) doorKey(n int, key, value string) {
	d := p.door
	switch key {
	case "SEQUENCE":
		steps, err := knock.ParseSteps(value)
		if err != nil {
			p.errorf(n, "sequence: %v", err)
			p.bad[d] = true
			return
		}
		d.Sequence, d.SeqLine = steps, n
	case "ONE_TIME_SEQUENCES":
		if value == "" {
			p.errorf(n, "one_time_sequences: empty path")
			p.bad[d] = true
			return
		}
		d.OneTime = Setting{value, n}
	case "SEQ_TIMEOUT", "TIMEOUT":
		d.SeqTimeout, d.SeqTOLine = p.seconds(n, key, value), n
	case "CMD_TIMEOUT":
		d.CmdTimeout, d.CmdTOLine = p.seconds(n, key, value), n
	case "TCPFLAGS":
		fr, err := knock.ParseTCPFlags(value)
		if err != nil {
			p.errorf(n, "%v", err)
			return
		}
		d.TCPFlags, d.FlagsLine = fr, n
	case "START_COMMAND", "COMMAND":
		d.StartCommand = Setting{value, n}
	case "START_COMMAND_6", "COMMAND_6":
		d.StartCommand6 = Setting{value, n}
	case "STOP_COMMAND":
		d.StopCommand = Setting{value, n}
	case "STOP_COMMAND_6":
		d.StopCommand6 = Setting{value, n}
	case "TARGET":
		if a, err := netip.ParseAddr(value); err == nil {
			d.Target, d.TargetLine = a, n
		} else {
			p.errorf(n, "target: %q is not an IP address", value)
		}
	default:
		if key == "USESYSLOG" || key == "LOGFILE" || key == "PIDFILE" || key == "INTERFACE" {
			p.errorf(n, "syntax error: %s belongs in [options], not in door [%s]", key, d.Name)
			return
		}
		p.errorf(n, "syntax error: unknown directive %s", key)
	}
}

// seconds reads knockd's whole-second values strictly (knockd's atoi
// turns "5s" into 5 and "abc" into 0 without a word).
func (p *parser) seconds(n int, key, value string) time.Duration {
	v, err := strconv.ParseUint(value, 10, 31)
	if err != nil {
		p.errorf(n, "%s: %q is not a whole number of seconds", strings.ToLower(key), value)
		return 0
	}
	return time.Duration(v) * time.Second
}
