package knockdconf

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/pkg/door"
	"github.com/uciknock/uciknock/uci"
)

// converter builds /etc/config/knock from a File.
type converter struct {
	f     *File
	pkg   *uci.Package
	warns []string
	names map[string]bool
	// lines maps UCI paths (knock.sec, knock.sec.opt) to the knockd.conf
	// line they came from, to locate validation errors in the input.
	lines map[string]int
}

func (c *converter) warnf(line int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if line > 0 {
		msg = fmt.Sprintf("%s:%d: %s", c.f.Name, line, msg)
	} else {
		msg = c.f.Name + ": " + msg
	}
	c.warns = append(c.warns, msg)
}

// add appends a section; opts are name/value pairs, empty values skipped.
func (c *converter) add(typ, name string, line int, opts ...opt) {
	s := &uci.Section{Type: typ, Name: name}
	c.lines["knock."+name] = line
	for _, o := range opts {
		if o.value == "" {
			continue
		}
		s.Options = append(s.Options, &uci.Option{Name: o.name, Kind: uci.KindOption, Values: []string{o.value}})
		c.lines["knock."+name+"."+o.name] = o.line
	}
	c.pkg.Allocated++
	c.pkg.Sections = append(c.pkg.Sections, s)
}

type opt struct {
	name, value string
	line        int
}

// convert maps the whole file. Per-door problems become warnings (the door
// is converted as closely as possible or left out); the result is then
// validated by config.Parse.
func (c *converter) convert() {
	c.global()
	plans := make([]*plan, 0, len(c.f.Doors))
	for _, d := range c.f.Doors {
		if p := c.planDoor(d); p != nil {
			plans = append(plans, p)
		}
	}
	c.matchCloses(plans)
	for _, p := range plans {
		c.emit(p)
	}
}

func (c *converter) global() {
	f := c.f
	c.names["main"] = true
	if !f.Interface.Set() {
		c.warnf(0, "no Interface: knockd listened on eth0; uciknockd listens on the wan network unless knock.main.interface is set")
	}
	if f.LogFile.Set() {
		c.warnf(f.LogFile.Line, "LogFile ignored: uciknockd logs to the system log (logread)")
	}
	if f.PidFile.Set() {
		c.warnf(f.PidFile.Line, "PidFile ignored: procd keeps track of uciknockd")
	}
	c.add(config.TypeGlobal, "main", 0,
		opt{"enabled", "1", 0},
		opt{"interface", f.Interface.Value, f.Interface.Line})
}

// plan is what one door becomes.
type plan struct {
	d       *Door
	section string
	native  *seedCall // nil: a command action
	timeout string    // native open/forward: the door timeout option
	tLine   int
}

func (c *converter) planDoor(d *Door) *plan {
	p := &plan{d: d, section: c.sectionName(d.Name)}
	if d.OneTime.Set() && !strings.HasPrefix(d.OneTime.Value, "/") {
		c.warnf(d.OneTime.Line, "door [%s] left out: one_time_sequences path %q is relative (knockd resolved it against its working directory); use an absolute path", d.Name, d.OneTime.Value)
		return nil
	}
	if strings.TrimSpace(d.StartCommand.Value) == "" {
		c.warnf(d.Line, "door [%s] left out: it has no start command, so knockd did nothing for it", d.Name)
		return nil
	}
	call, err := parseSeedCall(d.StartCommand.Value)
	if err != nil {
		c.warnf(d.StartCommand.Line, "door [%s] stays a command: %v", d.Name, err)
		return p
	}
	if call == nil {
		return p
	}
	if d.StartCommand6.Set() && d.StartCommand6.Value != d.StartCommand.Value ||
		d.StopCommand6.Set() && d.StopCommand6.Value != d.StopCommand.Value {
		c.warnf(d.Line, "door [%s] stays a command: its IPv6 commands differ from the IPv4 ones", d.Name)
		return p
	}
	if len(call.extra) > 0 {
		c.warnf(d.StartCommand.Line, "extra uciknockd.sh arguments %q ignored, as the script did", call.extra)
	}
	switch call.action {
	case config.ActionOpen, config.ActionForward:
		if !c.planTimeout(p, call) {
			return p
		}
	default:
		if d.StopCommand.Set() {
			c.warnf(d.StopCommand.Line, "door [%s] stays a command: a stop command after a close is not a native action", d.Name)
			return p
		}
	}
	p.native = call
	return p
}

// planTimeout turns a stop command that undoes the open into the door's
// timeout (knockd ran it cmd_timeout after the start command finished).
// It reports false when the stop command is something else.
func (c *converter) planTimeout(p *plan, call *seedCall) bool {
	d := p.d
	if !d.StopCommand.Set() || strings.TrimSpace(d.StopCommand.Value) == "" {
		p.timeout = "0"
		c.warnf(d.StartCommand.Line, "door [%s] never closes by itself, as in knockd; consider setting a timeout", d.Name)
		return true
	}
	stop, _ := parseSeedCall(d.StopCommand.Value)
	if !call.closedBy(stop) {
		c.warnf(d.StopCommand.Line, "door [%s] stays a command: its stop command does not close the door it opens", d.Name)
		return false
	}
	p.timeout, p.tLine = strconv.Itoa(int(c.cmdTimeout(d)/time.Second)), d.CmdTOLine
	return true
}

// cmdTimeout is a door's cmd_timeout brought into what /etc/config/knock
// accepts (config.MinCmdTimeout..MaxTimeout), with a warning when it had
// to change: the one clamp for a command's stop delay and for the timeout
// of the native door it becomes.
func (c *converter) cmdTimeout(d *Door) time.Duration {
	t := d.CmdTimeout
	if t < config.MinCmdTimeout {
		c.warnf(d.CmdTOLine, "cmd_timeout 0 raised to 1 second")
		t = config.MinCmdTimeout
	}
	if t > config.MaxTimeout {
		c.warnf(d.CmdTOLine, "cmd_timeout lowered to 30 days, the longest timeout /etc/config/knock accepts")
		t = config.MaxTimeout
	}
	return t
}

// matchCloses turns closes without a matching native open back into
// command doors: uciknockd closes only doors it opened itself.
func (c *converter) matchCloses(plans []*plan) {
	type key struct {
		a      config.Action
		prefix string
		port   uint16
	}
	opened := map[key]bool{}
	for _, p := range plans {
		if p.native != nil && (p.native.action == config.ActionOpen || p.native.action == config.ActionForward) {
			opened[key{p.native.action, p.native.prefix, p.native.port}] = true
		}
	}
	for _, p := range plans {
		n := p.native
		if n == nil || (n.action != config.ActionClose && n.action != config.ActionUnforward) {
			continue
		}
		want := config.ActionOpen
		if n.action == config.ActionUnforward {
			want = config.ActionForward
		}
		if !opened[key{want, n.prefix, n.port}] {
			c.warnf(p.d.StartCommand.Line, "door [%s] stays a command: no door in this file opens %s port %d, and uciknockd only closes doors it opened", p.d.Name, n.prefix, n.port)
			p.native = nil
		}
	}
}

// sectionName derives a unique UCI section name from a knockd door's
// name: UCI allows [A-Za-z0-9_], and the name also serves as the sequence
// name, so it starts with a letter or digit and is at most
// door.MaxPrefixLen long.
func (c *converter) sectionName(knockdName string) string {
	var b strings.Builder
	for i := 0; i < len(knockdName); i++ {
		ch := knockdName[i]
		if ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' {
			b.WriteByte(ch)
		} else if b.Len() > 0 {
			b.WriteByte('_')
		}
	}
	base := strings.TrimRight(b.String(), "_")
	if base == "" {
		base = "door"
	}
	if len(base) > door.MaxPrefixLen-4 {
		base = base[:door.MaxPrefixLen-4]
	}
	name := base
	for i := 2; c.names[name]; i++ {
		name = fmt.Sprintf("%s_%d", base, i)
	}
	c.names[name] = true
	return name
}
